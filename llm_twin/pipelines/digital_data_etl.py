from zenml import pipeline

from llm_twin.steps.etl import get_or_create_user, ingest_documents


@pipeline
def digital_data_etl(user_full_name: str, source_dir: str = "data/sample") -> None:
    user = get_or_create_user(user_full_name)
    ingest_documents(user=user, source_dir=source_dir)
