"""Streamlit views: each renders one part of the app from the assistant's services; no business logic here."""
