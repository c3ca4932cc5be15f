"""Operations: metrics, logs, graceful shutdown, the container image and the compose file."""
