from .model import ImhnConfig, PoseNet, InferenceWrapper, OFFICIAL_CONFIG  # noqa: F401
