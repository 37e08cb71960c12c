"""Function words: the stop-word lists that line features, rule gates and the HTML
mode's language guess read.  Plain data, importing nothing of the project."""

from __future__ import annotations

_STOPWORD_TEXT = """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    also said says may might must can't don't it's that's there's they're we're i'm"""
# the most frequent function words of other Latin-script languages of the news web
# (de, fr, es, pt, it, nl): prose in those languages must not read as a menu
_OTHER_STOPWORD_TEXT = """der die das und ist nicht mit von zu den ein eine auf für sich dem des im
    es als auch wird bei le la les et est du un une que qui dans pour pas sur au avec ce il elle
    ne se son sa sont par plus el los las y del en una por con para su al lo como más pero sus
    ya os as é do da dos das em um uma não na ao mas foi ele di della che per gli è sono het een
    van dat op te voor niet met zijn aan er maar om ook dan"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split() + _OTHER_STOPWORD_TEXT.split())
ENGLISH_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
