"""The crawl side: the `newsclean crawl` command, the sites file, the SQLite crawl state, the
Scrapy item pipeline and its cleaning worker processes.

May import pipelines.store, pipelines.rulefiles and cleaning; never crawler (Scrapy loads the
spider and the settings module by name).
"""
