"""ZenML steps of the llm_twin pipelines (names follow the LLM Engineer's Handbook)."""
