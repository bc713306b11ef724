"""Study material from the catalogue and the centre's documents: references in citation styles, their exports for
reference managers, and one-page study sheets (Markdown and tagged PDF)."""
