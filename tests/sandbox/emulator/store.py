"""Persistent state for one emulated service: a JSON document under the state dir, written atomically."""

import json
import os
import threading


class JsonStore:
    """``data`` is the service's whole state; hold ``lock`` while reading or changing it, then call ``save()``.

    A restart of the sandbox with the same state dir loads the same document, so nothing written is lost.
    """

    def __init__(self, path, initial=None):
        self.path = str(path)
        self.lock = threading.RLock()
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as handle:
                self.data = json.load(handle)
            self.loaded = True
        else:
            self.data = initial() if callable(initial) else (initial or {})
            self.loaded = False
            self.save()

    def save(self):
        with self.lock:
            tmp = self.path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(self.data, handle, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
