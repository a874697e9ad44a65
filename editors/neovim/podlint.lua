-- podlint's language server in Neovim 0.8+: put this in your init.lua (or `dofile` it).
-- It starts `podlint lsp` for YAML and JSON buffers; the server itself skips files that are not
-- Kubernetes manifests. `podlint` must be on PATH (or give the full path, e.g. a venv's bin/podlint).
vim.api.nvim_create_autocmd("FileType", {
  pattern = { "yaml", "json" },
  callback = function(args)
    local file = vim.api.nvim_buf_get_name(args.buf)
    local marker = vim.fs.find({ ".podlint.yaml", ".podlint.yml", ".git" }, { upward = true, path = vim.fs.dirname(file) })[1]
    vim.lsp.start({
      name = "podlint",
      cmd = { "podlint", "lsp" },
      root_dir = marker and vim.fs.dirname(marker) or vim.fs.dirname(file),
    })
  end,
})
