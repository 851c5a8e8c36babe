"""The gRPC server: TLS, interceptors, health and reflection, graceful shutdown, metrics."""
