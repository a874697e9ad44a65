;;; podlint.el --- podlint's language server in Emacs 29+ with eglot (built in)  -*- lexical-binding: t -*-
;; Put this in your init file (or `load' it). eglot runs one server per buffer: for YAML and JSON
;; buffers that is podlint (which also completes and documents fields from the Kubernetes schemas).
;; The server leaves YAML/JSON files that are not Kubernetes manifests alone. `podlint' must be on
;; `exec-path' (or give the full path, e.g. a venv's bin/podlint).
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               '((yaml-mode yaml-ts-mode json-mode json-ts-mode js-json-mode) . ("podlint" "lsp"))))
(dolist (hook '(yaml-mode-hook yaml-ts-mode-hook json-mode-hook json-ts-mode-hook js-json-mode-hook))
  (add-hook hook #'eglot-ensure))
;;; podlint.el ends here
