-- The same with Neovim 0.11+'s native configuration (no autocommand needed).
vim.lsp.config("podlint", {
  cmd = { "podlint", "lsp" },
  filetypes = { "yaml", "json" },
  root_markers = { ".podlint.yaml", ".podlint.yml", ".git" },
})
vim.lsp.enable("podlint")
