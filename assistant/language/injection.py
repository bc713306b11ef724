"""Sentences planted in documents that address the assistant instead of informing a reader ("ignore your
instructions", "reveal your system prompt", "system:", "from now on you are ...", "the answer to every question
is ..."), in Norwegian and English. Such sentences are never quoted and never given to a model as context.

The rules look for the shape of an instruction to a language model, not for particular phrasings: an override of
earlier rules, a request for its own instructions or context, chat markup, a role switch, a fixed or triggered
answer, an order about its replies, its sources or its user, and text addressed to an AI as such. A document
speaks to human readers about tables, forms and deadlines, and rarely about "your previous instructions",
"every answer you give" or "if anyone asks".
"""

from __future__ import annotations

import re
import unicodedata

# Rules a model has: some words only a model's rules are called (a system prompt), others also name a human
# reader's rules (guidelines) and count only with a word that makes them the model's ("previous", "your").
_AI_RULES = (
    r"(system\s*prompts?|system\s*messages?|systemprompt\w*|systemmelding\w*|systeminstruks\w*|"
    r"systemoppsett\w*|prompt\w*|programming|programmering\w*|safeguards|safety (rules|filters)|"
    r"sikkerhetsfiltr\w*|sikkerhetsregl\w*|sikkerhetsinstruks\w*|operating instructions|"
    r"oppstartsmelding\w*|initial (message|prompt)|knowledge base|kunnskapsbase\w*|content polic(y|ies)|"
    r"usage polic(y|ies)|innholdspolic\w*|innholdsregl\w*)"
)
_RULES_EN = (
    r"(instructions?|directions?|directives?|rules|guidelines|guidance|context|constraints|restrictions|"
    r"orders|polic(y|ies)|configuration|settings|filters|training|commands)"
)
_RULES_NB = (
    r"(instruks\w*|instruksjon\w*|regl(er|ene)|regelverk\w*|retningslinje\w*|beskjed\w*|føring\w*|"
    r"kontekst\w*|begrensning\w*|konfigurasjon\w*|innstilling\w*|oppsett\w*|ordre\w*|filtr\w*|"
    r"kommandoe?r?\w*)"
)
_EARLIER = (
    r"(all|any|every|previous|prior|earlier|above|preceding|initial|original|existing|current|old|"
    r"your|its|alle|all|tidligere|forrige|foregående|opprinnelige|eksisterende|gamle|nåværende|dine|din|"
    r"ditt|sine)"
)
_OWNED = (
    r"((\w+\s+){0,2}(your|yours|dine|din|ditt|sine)\b|you (have been|were|'ve been) (given|told)|"
    r"du (har )?(fått|blitt gitt))"
)
_OVERRIDE_EN = (
    r"(ignore|disregard|forget|override|overrule|bypass|circumvent|skip|drop|discard|abandon|"
    r"set aside|throw out|pay no (attention|heed)( to)?|no longer follow|stop (following|obeying)|"
    r"don'?t follow|do not follow|break|supersedes?|replaces?|takes? precedence over|outranks?|trumps?)"
)
_OVERRIDE_NB = (
    r"(ignor[eé]r\w*|glem\w*|ser?( du)? bort fra|overse|overs[eå]r?|overstyr\w*|hopp\w* over|"
    r"forkast\w*|tilsidesett\w*|(ikke|aldri)( lenger)? følg\w*|slutt\w* å følge|bryt\w*|"
    r"legg\w* (bort|til side)|opphev\w*|erstatt\w*|gjelder foran|går foran|har (høyere )?prioritet)"
)
_REVEAL_EN = (
    r"(reveal|print|show|output|repeat|display|dump|leak|disclose|share|tell|list|summari[sz]e|recite|"
    r"write out|spell out|copy|paste|quote|expose|send|forward|post|upload)"
)
_REVEAL_NB = (
    r"(avslør\w*|skriv\w* ut|vis|gjenta|gjengi\w*|oppsummer\w*|fortell|list\w* opp|del|lekk\w*|"
    r"kopier\w*|siter\w*|legg\w* fram|skriv\w* ned|send\w*|videresend\w*|last\w* opp)"
)
_MODEL = (
    r"(\bai\b|\ba\.i\.|\bki\b|artificial intelligence|kunstig intelligens|digital assistants?|"
    r"digitale? assistent\w*|answer(ing)? engines?|svarmotor\w*|(automatic|automated|automatiske?) "
    r"(answer|svar)\w*|text generators?|tekstgenerator\w*|generative \w+|retrieval-augmented|"
    r"tool-using|\b\w+-genererte? svar|(ai|ki) (readers?|lesere)|\b\w+-lesere\b|maskin(er)?\b|"
    r"(a|any) (program|script|crawler)\b|\bki-\w+|\bai-\w+|\bllms?\b|language models?|språkmodell\w*|chat ?bot\w*|"
    r"\bgpt\w*|\bbots?\b|virtual assistant|ai[- ]assistant|ki-assistent\w*|the assistant|assistenten|"
    r"\bmodellen som|\bmodel reading|machine[- ]learning models?|maskinlæringsmodell\w*|maskinleser\w*|"
    r"(automated|automatic|automatiske?) (summari[sz]\w*|sammendrag\w*|assistants?|assistenter\w*|agents?|"
    r"agenter\w*|readers?|systems?|systemer)|summari[sz]ers?\b|\bagents?\b)"
)
_ANSWER_WORDS = r"(answers?|repl(y|ies)|responses?|outputs?|svar(et|ene)?|besvarelse\w*)"
_DIRECTIVE = (
    r"(must|should|shall|has to|have to|need to|needs to|is (required|instructed|told|asked|requested) to|"
    r"are (required|instructed|told|asked|requested|kindly requested) to|please|always|never|do not|"
    r"don'?t|from now on|skal|må|bør|vennligst|vær så snill|alltid|aldri|plikter|bes om|ber vi)"
)


def _rules(lang: str) -> str:
    """Rules that are the model's: an AI-only word, or a general one with a word that makes it the model's."""
    rules = _RULES_EN if lang == "en" else _RULES_NB
    return (
        rf"({_AI_RULES}|{_EARLIER}\s+(\w+\s+){{0,2}}{rules}|{rules}\s+{_OWNED}|"
        rf"{rules}\s+(\w+\s+){{0,2}}(you|du)\s+(have|were|har|fikk|ble)\b)"
    )


PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # 0. words only a language model's world has, and machine-readable settings aimed at one
        r"\bcontext window\b|\bkontekstvindu\w*|\bkonteksten til (en|et|den) \w*(modell|ki)\w*|"
        r"\b(safety|sikkerhets)[- ]?(guidelines|retningslinje\w*)\b|\btemperatur(e)?[- ]?(setting|innstilling)\w*",
        r"\b(llm|assistant|assistent|ai|ki|model|modell|bot|chatbot)_\w+\s*[=:\"]|"
        r"[\"']role[\"']\s*:\s*[\"'](system|assistant|user|developer)|<!--[^>]{0,80}(\bai\b|\bki\b|\bllm|model|modell|"
        r"assistant|assistent|bot)",
        r"\b(earlier|previous|prior|tidligere)\s+(\w+\s+){0,3}(messages|instructions|beskjeder|instrukser|"
        r"instruksjoner|føringer)\b[^.!?]{0,60}\b(unauthori[sz]ed|superseded|void|bortfalt|uautoriserte?|ugyldige?|"
        r"opphevet)",
        r"\b(instead|i stedet|heller)\s+(\w+\s+){0,2}(reply|answer|say|state|claim|write|tell\w*|svar\w*|si|skriv\w*|"
        r"hevd\w*|oppgi|påstå)\w*\s+(\w+\s+){0,3}(that|at)\b",
        r"\b(tell|inform|notify|fortell|si til|informer)\w*\s+(the\s+)?(users|brukerne|everyone|alle)\s+(so|that|at)\b",
        # 1. override: a verb that sets aside, then (soon after) the model's rules
        rf"\b{_OVERRIDE_EN}\b[^.!?]{{0,60}}\b{_rules('en')}",
        rf"\b{_OVERRIDE_NB}\b[^.!?]{{0,60}}\b{_rules('nb')}",
        rf"\b{_rules('en')}[^.!?]{{0,40}}\b((are|is|have been|has been)\s+)?(\w+\s+)?"
        rf"(void|cancell?ed|revoked|lifted|suspended|"
        rf"obsolete|no longer valid|overridden|replaced|switched off|disabled)",
        rf"\b{_rules('nb')}[^.!?]{{0,40}}\b(er|har blitt|blir|gjelder)\s+(\w+\s+)?"
        rf"(opphevet|ugyldige?|oppheva|erstattet|"
        rf"satt til side|annullert|ikke lenger|slått av|deaktivert)",
        r"\b(forget|ignore|disregard|glem|ignorer|se bort fra)\w*\s+(everything|all|anything|alt|alle)\b[^.!?]{0,30}"
        r"\b(you|du)\b[^.!?]{0,20}\b(told|given|instructed|taught|said|fått|lært|blitt fortalt|blitt bedt)",
        # 2. reveal: a request for the model's own instructions, identity or context
        rf"\b{_REVEAL_EN}\b[^.!?]{{0,40}}\b{_rules('en')}",
        rf"\b{_REVEAL_NB}\b[^.!?]{{0,40}}\b{_rules('nb')}",
        r"\b(everything|all|anything|whatever|alt|det) (that )?(is |was |som )?(written |stated |står |er skrevet )?"
        r"(above|before|over|prior to|foran|ovenfor|før) (this|denne|dette)\b",
        r"\b(which|what) (model|llm|ai|version) (you are|are you)\b|\bhvilken (modell|språkmodell|ki) du er\b|"
        r"\byour (temperature|context window|token limit|system settings)\b",
        r"\b(chat|conversation|samtale|dialog)\w*[- ]?(history|transcript|log|logs|historikk\w*|logg\w*|utskrift\w*)\b",
        # 3. chat markup and role tags
        r"<\|[^|<>]{1,30}\|>|\[/?(inst|system|sys)\]|<</?sys>>|<\s*/?\s*(system|assistant|user|instructions?)\s*>|"
        r"<\s*/?\s*(start|end)_of_turn\s*>|\[\s*(system\w*|admin\w*|override|developer|utvikler\w*|operator)"
        r"[^\]]{0,20}\]",
        r"(^|[\s>«\"'(])(system|assistant|assistent|user|bruker|developer|utvikler)\s*(prompt|message|melding|note|"
        r"notat|override|overstyring)?\s*:\s*\S",
        r"\b(human|menneske|user|bruker)\s*:[^:]{1,200}\b(ai|ki|assistant|assistent|bot|model|modell)\s*:",
        r"(?<!#)#{2,}\s*(instruction|instruksjon|system|response|svar|assistant|assistent)\w*\s*:?",
        rf"\b(note|message|notice|instruction|memo|warning|important message|attention|beskjed|merknad|melding|notat|"
        rf"viktig melding|obs|advarsel)\w*\s+(to|for|til)\s+(the |all |any |eventuelle |alle |enhver |den som )?"
        rf"([\w-]+ )?{_MODEL}",
        rf"\b(dear|hey|hello|hi|attention|kjære|hei|hallo|til)\s+({_MODEL}|assistent\b|assistant\b)",
        rf"^\s*(to |til )?(all |any |every |alle |eventuelle )?{_MODEL}\s*[,:]",
        rf"\b(for the benefit of|til den som lager|til deg som (er|lager)|for deg som er)\s+[^.!?]{{0,30}}{_MODEL}",
        rf"{_MODEL}[^.!?]{{0,30}}\b(reading|reads|processing|processes|summari[sz]ing|summari[sz]es|analy[sz]ing|"
        rf"indexing|crawling|scanning|som (leser|behandler|oppsummerer|analyserer|indekserer|skanner))\b\s+"
        rf"(this|these|the following|dette|denne|disse|det følgende)\b",
        # 4. the model addressed as such: "as an AI you must", "if you are a language model", "you who are a machine"
        rf"\b(as|som)\s+(an?\s+|en\s+)?({_MODEL}|model|modell|machine|maskin)\b[^.!?]{{0,30}}\b(you|du|deg)\b",
        rf"\b(you|du|deg)\s+(who|som)\s+(are|er)\s+(an?\s+|en\s+)?({_MODEL}|model|modell|machine|maskin)\b",
        rf"\b(you|du|deg),?\s+(as|som)\s+(an?\s+|en\s+)?({_MODEL}|model|modell|machine|maskin)\b",
        # the model's own makers and instructions, named as such
        r"\b(your|dine|din) (developers?|creators?|makers?|trainers?|operators?|utviklere|skapere|programmerere)\b|"
        r"\b(utvikler(en|ne)|skaper(en|ne)|programmerer(en|ne)|operatør(en|ene)) (din|dine)\b",
        r"\b(your|din|ditt|dine) ((original|initial|previous|earlier|hidden|secret|current|new|opprinnelige|tidligere|"
        r"skjulte|hemmelige|nåværende|nye) )?(instructions|system ?prompts?|prompts?|programming|configuration|"
        r"instruks\w*|instruksjon\w*|systemprompt\w*|prompt\w*|konfigurasjon\w*)\b|\b(instruks(ene|er)|"
        r"instruksjon(ene|er)|prompt(en|ene)|systemprompt(en|ene)?|konfigurasjon(en|ene)) (din|dine)\b",
        rf"\b(if|when|whenever|hvis|når|dersom)\s+(you|du)\s+(are|is|er)\s+(an?|en|et)\s+[^.!?]{{0,20}}"
        rf"({_MODEL}|\w*(model|modell)\w*|machine|maskin)",
        rf"\b(any|every|all|each|whichever|hvilken som helst|enhver|alle|hver|eventuelle)\s+([\w-]+\s+)?{_MODEL}\b"
        rf"[^.!?]{{0,60}}\b{_DIRECTIVE}\b",
        rf"\b(the|this|a|that|your|any)?\s*(model|{_MODEL}|modellen|språkmodellen)\b[^.!?]{{0,40}}\b(shall|must|should|"
        rf"is to|skal|må|bør)\b[^.!?]{{0,40}}\b(reply|answer|respond|say|write|output|state|svare|si|skrive|oppgi|"
        rf"besvare)\b",
        # 5. a role switch
        r"\b(you are now|you're now|you will now be|you are no longer|from now on,? (you|act|answer|reply|respond)|"
        r"from this (point|moment) on,? (you|act|answer|reply|respond)|you (will |must |should |shall )?(now )?act as|"
        r"act as if you|act as ['\"«‘“]|pretend (to be|you are|that you)|role-?play|(play|take on|assume) the "
        r"(role|persona)|switch (to|into) \w+ mode|enter \w+ mode|developer mode|jailbreak|\bDAN\b)",
        r"\b(du er nå (en|et|ei|ikke)\b|du er ikke lenger|fra (og med )?nå (av )?(skal|er|må|svarer|spiller|later) du|"
        r"heretter (skal|er|må) du|lat som|late som|oppfør deg som|opptr\w* som|(spill\w*|ta\w*|inntar)( du)? rollen|"
        r"går over i \w+-?modus|utviklermodus)",
        # 6. a fixed or triggered answer
        r"\b(the|your) (answer|reply|response) to (every|all|any|each)( \w+)? (questions?|prompts?|queries)",
        r"\bsvaret (ditt )?på (alle|ethvert|hvert|enhver|samtlige) (\w+ )?(spørsmål|henvendelse\w*)",
        r"\b(whatever|no matter what|regardless of what)\b[^.!?]{0,20}"
        r"\b(is asked|you are asked|anyone asks|the question)|"
        r"\b(uansett|same) hva (du|man|noen|brukeren|folk) (blir )?(spurt|spør)|\b(whatever|no matter what) (the user|"
        r"they|people|anyone) (asks?|says|writes)",
        r"\b(whenever|every time|each time|if|when) (the )?(user|asker) (asks?|mentions?|writes?|types?|says?)\b|"
        r"\b(hver gang|når|hvis|dersom) brukeren (spør|nevner|skriver|sier)\b",
        r"\b(svar\w*|skriv\w*|si|reply|respond|answer|write|say|output|print)\s+(with\s+)?(only|just|nothing but|bare|"
        r"kun|utelukkende|ingenting annet enn)\s*[«\"'“‘]",
        r"\b(if|when|whenever) (anyone|someone|somebody|a user|the user|people|a person|they) (asks?|mentions?|"
        r"brings up|wants to know)\b[^.!?]{0,60}\b(say|state|claim|answer|reply|respond|tell|write)\b",
        r"\b(hvis|når|dersom|hver gang) (noen|en bruker|brukeren|folk|man|en person) (spør|nevner|tar opp|lurer på)"
        r"\b[^.!?]{0,60}\b(si|svar\w*|påstå|skriv\w*|fortell\w*)\b",
        r"\b(whenever|every time|each time|hver gang)\b[^.!?]{0,40}"
        r"\b(is mentioned|are mentioned|comes up|nevnes|blir nevnt"
        r"|dukker opp)\b",
        r"\b(answer|reply|respond|say|write|output|print|begin|start|end|finish)\w*\b[^.!?]{0,25}\b(only|solely|"
        r"exclusively|just|always)\b[^.!?]{0,15}\b(with|in|the word)\b",
        r"\b(svar\w*|si|skriv\w*|begynn\w*|start\w*|avslutt\w*|slutt\w*)\b[^.!?]{0,25}\b(bare|kun|utelukkende|"
        r"alltid)\b[^.!?]{0,15}\b(med|på|ordet)\b",
        # 7. orders about the model's replies, its sources and its user
        rf"\b(in|into|to|at the (start|end|beginning) of|i|inn i|på|til|ved|i starten av|på slutten av|etter|from|fra)"
        rf"\s+(your|every|each|all|any|future|following|ditt|dine|din|hvert|ethvert|alle|samtlige|fremtidige|their|"
        rf"its|sine)\s+{_ANSWER_WORDS}\b",
        rf"\b(your|ditt|dine|din|all future|alle fremtidige)\s+{_ANSWER_WORDS}\b[^.!?]{{0,40}}"
        rf"\b(must|should|shall|skal|"
        rf"må|bør)\b",
        rf"\b(end|start|begin|finish|conclude|write|format|sign|prefix|avslutt|start|begynn|skriv|formater|signer)\w*\s+"
        rf"(every|each|all|your|any|hvert|alle|ethvert|ditt|dine)\s+{_ANSWER_WORDS}\b",
        rf"\b(every|each|all|any|hvert|alle|ethvert|samtlige)\s+{_ANSWER_WORDS}\s+(with|by|med|ved)\b",
        rf"\b(i|på|til|fra|inn i|etter)\s+{_ANSWER_WORDS}\s+(dine|din|ditt|sine)\b",
        r"\b(do not|don'?t|never|stop|no longer)\s+(cite|mention|name|reveal|refer to|link to|credit)\w*\s+"
        r"(any |the |your )?(sources?|documents?|references?|citations?)",
        r"\b(ikke|aldri|slutt å)\s+(oppgi|nevn|vis til|henvis\w* til|siter|oppgi noen)\w*\s+(noen |de |dine )?"
        r"(kilder|kildene|dokument\w*|referanse\w*)",
        r"\b(omit|leave out|remove|strip|drop|exclude|utelat|fjern|dropp|sløyf)\w*\b[^.!?]{0,30}\b(source references|"
        r"references to (the )?sources|citations|kildehenvisning\w*|kildereferanse\w*|kildeangivelse\w*)",
        r"\b(forbidden|not allowed|prohibited|forbudt|ikke lov)\b[^.!?]{0,20}\b(for you|you|for deg|du)\b",
        r"\b(tell|inform|insult|mock|mislead|convince|persuade|deceive|lie to|trick|warn|ask) (the )?(user|asker)\b|"
        r"\bthe (user|asker)'s (question|prompt|message|query|data|conversation)|\b(fortell|si til|fornærm|informer|"
        r"overbevis|lur|lyv for|advar|spør|svar|be) brukeren\b|\bbrukerens (spørsmål|melding|henvendelse|samtale)",
        # 8. an order to assert something, the way a planted instruction bends the answers
        r"(^|[,;:]\s*|\b(skal|må|bør) du\s+|\byou (must|should|shall|will|are to)\s+)(claim|pretend|påstå|late som|"
        r"lyve|lie|insist|hevde)\b",
        r"(^|[,;:]\s*)(state|say|claim|tell everyone|si|skriv|fortell|påstå)\s+(that|at)\b",
        r"\b(invent|make up|fabricate|dikt\w* opp|find\w* på|fabriker\w*)\b[^.!?]{0,20}"
        r"\b(statistics|numbers|figures|facts|"
        r"sources|tall|statistikk|fakta|kilder)",
        r"\b(fetch|call|visit|open|ping|request|hent|kall|besøk|åpne)\w*\s+(the )?(url|link|lenken|adressen)?\s*https?://",
    )
]


# Letters from other scripts that look like Latin ones: "Аssistаnt" with Cyrillic А/а reads as "Assistant".
_LOOK_ALIKES = str.maketrans(
    "АВЕКМНОРСТХаеорсухіјѕԁԛԝӏΑΒΕΗΙΚΜΝΟΡΤΧΥΖαοριν", "ABEKMHOPCTXaeopcyxijsdqwlABEHIKMNOPTXYZaopiv"
)


def normalise(sentence: str) -> str:
    """Full-width and other compatibility forms (NFKC), look-alike letters and odd spaces made plain."""
    return " ".join(unicodedata.normalize("NFKC", sentence).translate(_LOOK_ALIKES).split())


def addresses_assistant(sentence: str) -> bool:
    """Does this sentence speak to the assistant (a planted instruction) rather than to a human reader?"""
    plain = normalise(sentence)
    return any(p.search(plain) for p in PATTERNS)
