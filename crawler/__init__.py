"""The Scrapy project of newsclean: the ``news`` spider, its settings and middleware."""
