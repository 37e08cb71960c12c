"""Scrapy settings of the newsclean crawler: polite by default.

``newsclean crawl`` starts from these and sets ``NEWSCLEAN_OUTDIR``, the
User-Agent (with the user's ``--contact``) and per-site overrides.

newsclean's own settings:

* ``NEWSCLEAN_OUTDIR``: output folder (Parquet parts, WARC, state, log, summary).
* ``NEWSCLEAN_WORKERS``: cleaning processes (0 = one per core).
* ``NEWSCLEAN_BATCH_ROWS`` / ``NEWSCLEAN_FLUSH_SECONDS``: a Parquet part is written
  when this many rows are buffered or this many seconds have passed.
* ``NEWSCLEAN_WARC``: archive fetched article responses as WARC (default on).
* ``NEWSCLEAN_BLOCK_STREAK``: consecutive 403/429 answers after which a host is
  reported as blocking and not requested again in this run.
* ``NEWSCLEAN_BACKOFF_BASE``: seconds of delay after a first 429/5xx (doubles after).
* ``NEWSCLEAN_HOST_DELAYS``: {host: seconds}, minimum delays from the sites file.
* ``NEWSCLEAN_SOURCE_MAXSIZE``: byte cap of a sitemap or feed, expanded size included
  (pages and robots.txt: ``DOWNLOAD_MAXSIZE``).
* ``NEWSCLEAN_ROBOTS_MAXSIZE``: how much of a robots.txt is read (the rest is ignored).
* ``NEWSCLEAN_SOURCE_DEPTH`` / ``NEWSCLEAN_MAX_SOURCES``: how deep sitemap indexes may nest
  below a given source, and how many sources a site may have fetched per run.
* ``NEWSCLEAN_SITE_GUARD``: refuse requests outside the sites' own http(s) URLs (on).
* ``NEWSCLEAN_SOURCE_HOSTS``: host names that may resolve to non-public addresses (the
  sources' hosts; ``newsclean crawl`` sets it).
* ``NEWSCLEAN_GC_THRESHOLD``: allocations between young-generation garbage collections in
  the crawl process (Python's default, 700, collects every few requests; higher keeps
  garbage holding response bodies longer); 0 keeps the default.
* ``NEWSCLEAN_MEMORY_REQUESTS``: article requests the scheduler keeps in memory before it
  sends more to its disk queue (``JOBDIR``; crawler/scheduler.py).
* ``NEWSCLEAN_FILE_TAG``: put in part and WARC file names (``--redis`` sets host-pid, so
  files of several hosts never collide).
* ``NEWSCLEAN_REDIS_TTL``: with ``--redis``, seconds without a heartbeat after which a
  process is taken for dead and its unfinished requests are queued again (default 60).
* ``NEWSCLEAN_REDIS_POLL``: with ``--redis``, seconds between looks for dead processes
  and for requests queued by others (default 1).
"""

BOT_NAME = "newsclean"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "newsclean/0.1 (+https://github.com/newsclean/newsclean)"

# Politeness
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
# Bounds against hostile sites (README "Security"): a page or robots.txt may be 10 MiB, a
# sitemap or feed 50 MiB (the sitemap protocol's cap), each after gzip/deflate/br/zstd
# expansion; of a robots.txt the first 512 KiB are read (RFC 9309 asks for 500 KiB at
# least); a response may take 30 s in all.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 << 20
DOWNLOAD_WARNSIZE = 2 << 20
NEWSCLEAN_SOURCE_MAXSIZE = 50 << 20
NEWSCLEAN_ROBOTS_MAXSIZE = 512 << 10
NEWSCLEAN_SOURCE_DEPTH = 3  # sitemap index -> index -> index -> urlset below a source
NEWSCLEAN_MAX_SOURCES = 5000  # sitemap and feed requests per site and run
NEWSCLEAN_SITE_GUARD = True
REDIRECT_MAX_TIMES = 5
# Only http(s): no file:, ftp:, s3: or data: URL is ever read, whatever a sitemap says.
# http(s) through Scrapy's handler with a larger pool of idle connections (crawler/handlers.py).
DOWNLOAD_HANDLERS = {
    "file": None,
    "ftp": None,
    "s3": None,
    "data": None,
    "http": "crawler.handlers.PooledHTTPDownloadHandler",
    "https": "crawler.handlers.PooledHTTPDownloadHandler",
}
# DNS answers that are not public addresses are refused too, but for the sources' own hosts
# (NEWSCLEAN_SOURCE_HOSTS, set by `newsclean crawl`).
TWISTED_DNS_RESOLVER = "crawler.resolver.PublicAddressResolver"
NEWSCLEAN_SOURCE_HOSTS: list[str] = []
COOKIES_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # first of all, before RobotsTxtMiddleware (100): only the sites' own http(s) URLs
    "crawler.middlewares.SiteGuardMiddleware": 50,
    # Scrapy's, replaced by crawler/robots.py's: it reads at most the first
    # NEWSCLEAN_ROBOTS_MAXSIZE bytes (RFC 9309), and checks the requests that waited for a
    # host's robots.txt too
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.CheckedRobotsTxtMiddleware": 100,
    # after RobotsTxtMiddleware (100), so Crawl-delay is known; before RetryMiddleware (550)
    # sees responses, so a retried request waits for the backed-off slot.
    "crawler.middlewares.PolitenessMiddleware": 560,
    # Scrapy's meta-refresh redirects, without decoding every page to look for one
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.CheapMetaRefreshMiddleware": 580,
    # Scrapy's off-site filter: the spider sets no allowed_domains, so it lets every request
    # through (twice: when scheduled and when downloaded); SiteGuardMiddleware is the filter
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    # Scrapy's request and response counts, without the byte counts nobody reads
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "crawler.middlewares.CountingDownloaderStats": 850,
}
# Every request the spider yields (thousands per sitemap) passes each spider middleware;
# these three add nothing here and cost CPU the cleaning processes could use: no depth
# limit is set (sources are sitemaps and feeds, not link following), the Referer of a
# sitemap is of no use to a publisher, and the meta-copy check is a development aid.
# Each spider middleware with an output method also wraps every callback's output (an
# article response's one item too) in a layer of asynchronous generators: the URL length
# limit (URLLENGTH_LIMIT, a guard) is checked by the spider before it makes a request, and
# start requests are marked (is_start_request) by a middleware that only sees those.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.start.StartSpiderMiddleware": None,
    "crawler.middlewares.StartRequestsMiddleware": 25,
}
ITEM_PIPELINES = {"pipelines.crawl.item_pipeline.CleaningPipeline": 300}
DUPEFILTER_CLASS = "crawler.dupefilter.SQLiteDupeFilter"
# Scrapy's scheduler, but the disk queue only takes requests past the first
# NEWSCLEAN_MEMORY_REQUESTS (each trip through it cost about 0.1 ms of CPU)
SCHEDULER = "crawler.scheduler.SpillingScheduler"
NEWSCLEAN_MEMORY_REQUESTS = 5000
STATS_CLASS = "crawler.scheduler.PlainStatsCollector"
# Scrapy's core stats without the item signals' receivers (the item pipeline counts items)
EXTENSIONS = {
    "scrapy.extensions.corestats.CoreStats": None,
    "crawler.scheduler.RunStats": 0,
}
# Scrapy looks for a `return value` in every callback that is a generator (by reading and
# parsing its source whenever its weak cache has lost the bound method): a development aid.
WARN_ON_GENERATOR_RETURN_VALUE = False

# Memory stays flat on long crawls: the scraper stops taking responses while this many
# bytes of pages wait for cleaning (Scrapy's default; larger only costs memory, the
# cleaning processes are busy either way), and rows are written in parts of
# NEWSCLEAN_BATCH_ROWS.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 5_000_000
# Items processed in parallel *per response*.  An article response gives one item, and
# Scrapy starts this many asyncio tasks for every response whatever it yields: 32 cost
# 0.5 ms of the crawl process's CPU per page.  Pages are still cleaned in parallel:
# every response in the scraper (up to SCRAPER_SLOT_MAX_ACTIVE_SIZE) has its item in flight.
CONCURRENT_ITEMS = 1

DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"  # drops are counted in the run summary
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control is an HTTP server that runs Python code sent to it, with a
# token written to the user's profile directory: not for a crawler run from cron.  Off, it
# also leaves aiohttp unimported (9 MB of the crawl process's RSS).
REMOTE_CONTROL_ENABLED = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

NEWSCLEAN_WORKERS = 0
NEWSCLEAN_BATCH_ROWS = 500
NEWSCLEAN_FLUSH_SECONDS = 60.0
NEWSCLEAN_WARC = True
NEWSCLEAN_BLOCK_STREAK = 5
NEWSCLEAN_BACKOFF_BASE = 1.0
NEWSCLEAN_HOST_DELAYS: dict[str, float] = {}
NEWSCLEAN_GC_THRESHOLD = 3_000
NEWSCLEAN_FILE_TAG = ""
NEWSCLEAN_REDIS_TTL = 60.0
NEWSCLEAN_REDIS_POLL = 1.0

# `newsclean crawl --redis URL` (several processes, one crawl) applies these on top: the
# request queue and dupefilter of scrapy-redis (kept in Redis for the run; the first
# process of the next run empties them), requests in flight noted per process, per-host
# politeness shared by all processes (see crawler/distributed.py).  No disk queue (JOBDIR).
NEWSCLEAN_REDIS_SETTINGS = {
    "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
    "SCHEDULER_PERSIST": True,
    "SCHEDULER_QUEUE_CLASS": "crawler.distributed.InFlightQueue",
    "DUPEFILTER_CLASS": "crawler.distributed.CanonicalDupeFilter",
    # the host's delay and concurrency over all processes, at the last step before the network
    "DOWNLOAD_HANDLERS": {
        **DOWNLOAD_HANDLERS,
        "http": "crawler.distributed.SharedPoliteHTTP",
        "https": "crawler.distributed.SharedPoliteHTTP",
    },
    "EXTENSIONS": {**EXTENSIONS, "crawler.distributed.CrawlMembership": 0},
    # requests of these callbacks stay in flight until their URL is finished
    "NEWSCLEAN_REDIS_ITEM_CALLBACKS": ["parse_article"],
}
