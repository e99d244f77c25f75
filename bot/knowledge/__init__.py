"""The knowledge base on the bot's side: passages of published articles, a hybrid
BM25 + embeddings index over them, answers with a calibrated "I don't know", and the
poller that rebuilds the index within seconds of an article changing."""
