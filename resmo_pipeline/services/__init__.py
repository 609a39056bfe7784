"""Running resmo_pipeline as services: instance storage, the webserver and daemon, executors."""
