// English function words that carry no topic: they are ignored when scoring sentences.
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each few for from further had has have having ' +
    'he her here hers herself him himself his how i if in into is it its itself just me more most my myself no ' +
    'nor not now of off on once only or other our ours ourselves out over own same she should so some such than ' +
    'that the their theirs them themselves then there these they this those through to too under until up very ' +
    'was we were what when where which while who whom why will with would you your yours yourself yourselves ' +
    "it's don't doesn't isn't aren't wasn't weren't can't won't i'm i've you're we're they're he's she's that's " +
    'may might must shall us one two many much'
  ).split(/\s+/),
);
