"""Function words: the stop-word lists that line features, rule gates and the HTML
mode's language guess read, and the characters of text that readers do not see.  Plain
data, importing nothing of the project."""

from __future__ import annotations

from collections import Counter

_STOPWORD_TEXT = """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    also said says may might must can't don't it's that's there's they're we're i'm"""
# The commonest function words (articles, pronouns, prepositions, conjunctions, auxiliaries)
# of the languages of the European and wider news web, one list per ISO 639-1 code.  They
# serve two ends: telling which language a document is in (the list it hits most) and
# measuring how much of a line is running prose in that language (stop-word share).
_FUNCTION_WORD_TEXT: dict[str, str] = {
    "en": _STOPWORD_TEXT,
    "de": """der die das und ist nicht mit von zu den ein eine einen einem einer auf für sich
        dem des im es als auch wird werden wurde bei sie er wir ich ihr nach aus noch wie
        nur oder aber vor zur zum so dass hat haben sind war man über unter durch um am
        mehr schon wenn kann diese dieser dieses wieder sein seine ihre keine kein bis""",
    "fr": """le la les et est du un une que qui dans pour pas sur au aux avec ce cette ces il
        elle ils elles ne se son sa ses sont par plus des de en a été être ont mais ou où
        leur leurs nous vous on comme tout très aussi même entre sans sous après avant
        lors dont fait peut y""",
    "es": """el la los las y del en una un por con para su sus al lo como más pero ya que se
        es de no le les este esta estos estas ese esa son fue ha han sin sobre entre hasta
        también muy ni o cuando donde desde porque todo todos hay ser está era nos""",
    "it": """di della delle dello del dei degli che per gli il lo la le un una uno è sono non
        con si da in al alla alle nel nella nei sul sulla ma come anche più ha hanno era
        essere questo questa questi quello quella ci ne se o dopo tra fra tutto molto""",
    "pt": """o a os as de do da dos das em no na nos nas um uma uns umas que não com por para
        se é foi ao aos mais mas como ele ela eles elas seu sua seus suas já também muito
        ou quando entre sobre pelo pela pelos pelas são está ser tem há isso este esta""",
    "nl": """de het een en van in is dat op te voor niet met zijn aan er maar om ook dan die
        dit deze bij uit als door over naar wordt werd worden zou kan heeft hebben was
        waren nog wel geen ze hij zij we wij ik je u hun hem haar al tot""",
    "sv": """och i att det som en på är av för med till den har de inte om ett han men var
        jag sig från vi så kan när år hon nu ska också efter under eller bara vid mot
        kommer skulle alla detta sina sin hade blir blev där""",
    "da": """og i at det som en på er af for med til den har de ikke om et han men var jeg sig
        fra vi så kan når år hun nu skal også efter under eller kun ved mod kommer skulle
        alle dette sine sin havde bliver blev der""",
    "nb": """og i å det som en på er av for med til den har de ikke om et han men var jeg seg
        fra vi så kan når år hun nå skal også etter under eller bare ved mot kommer skulle
        alle dette sine sin hadde blir ble der""",
    "pl": """i w na z że do to się nie jest o jak ale po co od za przez dla tak jego jej ich
        był była było były są by już tylko może czy także również oraz który która które
        tym ten ta te też jako przy bardzo gdy lub tego""",
    "cs": """a v na se že je s z do to o k i by jak ale po od za pro tak jeho její jejich byl
        byla bylo byli jsou už jen může také nebo který která které tím ten ta to při
        velmi když než podle jsem jsme""",
    "sk": """a v na sa že je s z do to o k i by ako ale po od za pre tak jeho jej ich bol
        bola bolo boli sú už len môže tiež alebo ktorý ktorá ktoré tým ten tá pri veľmi
        keď než podľa som sme""",
    "sl": """in v na se da je s z do to o k i bi kot ali po od za tako njegov njen so že
        samo lahko tudi ki ker pri zelo ko kar sem smo bil bila bilo""",
    "hr": """i u na se da je s sa z do to o k bi kao ali po od za tako njegov njezin su već
        samo može također ili koji koja koje pri vrlo kad kada nije biti bio bila""",
    "ro": """și în de la cu pe a o un o să că nu se este sunt din pentru care mai fi au
        fost sau dar ca prin după despre între acest această lui ei lor îi""",
    "hu": """a az és hogy nem is egy de meg van volt csak már mint ez azt ki be el fel
        még után között pedig vagy mert amely aki ami ha sem kell lesz lett""",
    "fi": """ja on ei se että oli ovat hän myös kun tai mutta joka jotka ole olla sen sitä
        ovat niin vain kuin nyt jo mukaan jälkeen sekä tämä tämän""",
    "et": """ja on ei see et oli ka kui või aga mis kes mida seda ta nad oma veel nii siis
        pärast vastu üle ning kuid""",
    "lv": """un ir ar par uz no kā bet arī ka tas tā to viņš viņa nav bija lai kas vai pēc
        jau vēl tikai pie""",
    "lt": """ir yra su už iš kaip bet taip pat kad tai jis ji nėra buvo kas ar po jau dar
        tik prie į apie""",
    "tr": """ve bir bu da de için ile ne çok daha olarak gibi olan ama en ki mi o şu her
        kadar sonra göre veya değil""",
    "id": """dan yang di ke dari ini itu dengan untuk tidak dalam akan pada juga ada atau
        oleh sebagai telah karena bahwa mereka kami kita saya""",
    "ca": """el la els les i de del en un una per amb que no es és al als dels com més però
        ja hi ha va ser seu seva són també""",
}
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(text.split()) for lang, text in _FUNCTION_WORD_TEXT.items()
}
# The base list every line is measured with, whatever its document's language: the function
# words of English and of the other most common Latin-script languages of the news web, so
# that prose in those languages does not read as a menu when no language was told
BASE_LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl")
STOPWORDS: frozenset[str] = frozenset().union(*(FUNCTION_WORDS[lang] for lang in BASE_LANGUAGES))
# each function word -> the languages whose list holds it
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _lang, _words in FUNCTION_WORDS.items():
    for _w in _words:
        _LANGUAGES_OF[_w] = (*_LANGUAGES_OF.get(_w, ()), _lang)
del _lang, _words, _w
# the same by the words' UTF-8 bytes (detect_language_utf8)
_LANGUAGES_OF_UTF8: dict[bytes, tuple[str, ...]] = {w.encode(): v for w, v in _LANGUAGES_OF.items()}

# a language is named when its function words are at least this share of the sampled words
# (prose: 0.3-0.5 in its own language) and it has at least _MIN_HITS of them
DETECT_SHARE = 0.12
_MIN_HITS = 8


def detect_language(words: list[str]) -> str | None:
    """The language (ISO 639-1) whose function words are most of ``words`` (lower case),
    or None when no list holds :data:`DETECT_SHARE` of them: too few words, or a language
    (or script) with no list here.  A tie goes to the language listed first."""
    # the words that are some language's function words, each tuple of languages counted once
    return _most_hit(Counter(filter(None, map(_LANGUAGES_OF.get, words))), len(words))


def detect_language_utf8(words: list[bytes]) -> str | None:
    """:func:`detect_language` of words given as their UTF-8 bytes (what a byte table cuts
    out of a text, without a regular expression or one string per word)."""
    return _most_hit(Counter(filter(None, map(_LANGUAGES_OF_UTF8.get, words))), len(words))


def _most_hit(found: Counter[tuple[str, ...]], n: int) -> str | None:
    """The language of :func:`detect_language` from the function words found among ``n``
    words, counted by the tuple of languages that list them."""
    if not found:
        return None
    hits: dict[str, int] = {}
    for langs, count in found.items():
        for lang in langs:
            hits[lang] = hits.get(lang, 0) + count
    order = list(FUNCTION_WORDS)
    best = max(hits, key=lambda lang: (hits[lang], -order.index(lang)))
    if hits[best] < _MIN_HITS or hits[best] < DETECT_SHARE * n:
        return None
    return best


def stopwords_for(language: str | None) -> frozenset[str]:
    """The stop words a line of a document in ``language`` is measured with: for a language
    listed here, its own function words and English's (quotes, names of products and bodies
    are often English in any news text); else the base list (:data:`STOPWORDS`)."""
    own = FUNCTION_WORDS.get(language or "")
    return FUNCTION_WORDS["en"] | own if own is not None else STOPWORDS


# Characters that are never drawn: soft hyphen, zero-width space, word joiner, byte-order
# mark.  A title or line loses them and reads the same.
INVISIBLE_CHARS = "\xad\u200b\u2060\ufeff"
# Zero-width non-joiner and joiner: no glyph of their own, but they change how the letters
# beside them are drawn (Persian, Indic scripts, emoji sequences), so a title keeps them;
# text is compared without them, as the extractor leaves them out.
JOINER_CHARS = "\u200c\u200d"
