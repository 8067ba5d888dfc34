"""The LLM Twin application that the image carries: settings and the ZenML pipelines.

`digital_data_etl` loads an author's documents into the MongoDB data warehouse; `feature_engineering`
cleans, chunks and embeds them into Qdrant. Run them with `python -m llm_twin run <pipeline>`.
"""

__version__ = "0.1.0"
