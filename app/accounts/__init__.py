"""Account recovery and notices by mail: password resets, email verification, and the
batched notifications of new followers and comments."""
