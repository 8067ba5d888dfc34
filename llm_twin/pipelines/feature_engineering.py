from zenml import pipeline

from llm_twin.steps.feature_engineering import (
    check_vector_db, chunk_and_embed, clean_documents, load_to_vector_db, query_data_warehouse)


@pipeline
def feature_engineering(author_full_names: list[str]) -> None:
    vector_names = check_vector_db()
    # after the check: a missing collection stops the run before any embedding work
    raw_documents = query_data_warehouse(author_full_names, after="check_vector_db")
    cleaned = clean_documents(raw_documents)
    load_to_vector_db(cleaned, vector_names, id="load_cleaned_to_vector_db")
    embedded = chunk_and_embed(cleaned)
    load_to_vector_db(embedded, vector_names, id="load_embedded_to_vector_db")
