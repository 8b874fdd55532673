"""Running the selected envs: one env from start to end (:mod:`.envrun`) and the whole run (:mod:`.session`)."""
