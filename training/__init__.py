"""SimplePose Studio training package: IMHN definition, checkpoint import, ONNX export (run with /usr/bin/python3)."""
