"""The store: the Parquet schema and part files, rows and ids, the dataset index and its
re-run rules, and the WARC archive of fetched pages.

May import cleaning (records) and nothing else of pipelines but itself.
"""

# The hidden folder of an output folder that holds its state (indexes, locks); readers and
# globs skip it.
STATE_DIR = ".newsclean"
