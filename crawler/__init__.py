"""The Scrapy project of newsclean: the ``news`` spider, its settings, middlewares and dupefilter.

The top layer: may import pipelines (state, sites) and cleaning.
"""
