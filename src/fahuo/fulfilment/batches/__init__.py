"""Print batches (波次): create, work (worker, render parts, platform-printed batches), watch, resume."""
