"""Live packaging: FLV from the ingest in, low-latency HLS and the replay in storage out."""
