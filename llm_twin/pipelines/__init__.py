"""The ZenML pipelines, by the names the Handbook's configs use."""
from llm_twin.pipelines.digital_data_etl import digital_data_etl
from llm_twin.pipelines.feature_engineering import feature_engineering

PIPELINES = {"digital_data_etl": digital_data_etl, "feature_engineering": feature_engineering}
