"""The local run of `newsclean clean` and `explain`: input discovery and decoding, the batch
(statistics pass, cleaning, writing), and the worker processes that share it.

May import pipelines.store, pipelines.rulefiles and cleaning.
"""
