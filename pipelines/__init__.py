"""I/O around the cleaning core: the CLI on top, then the local batch run and the crawl side,
both writing through the store; rule files are read by pipelines.rulefiles.

May import cleaning; never crawler.
"""
