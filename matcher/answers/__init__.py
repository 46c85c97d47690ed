"""What answering reads, loaded without the training stack: the answer model and its artifact."""
