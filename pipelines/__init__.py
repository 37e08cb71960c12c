"""I/O around the cleaning core: inputs, rule files, Parquet datasets, the CLI, the Scrapy pipeline."""
