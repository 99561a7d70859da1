-- Drives headless Neovim's built-in LSP client (0.7 API: vim.lsp.start_client) through
-- open → diagnostic → quick fix → clean on the file PAYBILL_FILE, with the server started as
-- PAYBILL_NODE PAYBILL_CLI lsp --stdio in PAYBILL_ROOT. Writes what it saw, as JSON, to
-- PAYBILL_OUT; the test (lsp-neovim.test.ts) judges it.
local out = {}
local function finish()
  local f = assert(io.open(vim.env.PAYBILL_OUT, "w"))
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qall!")
end
local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(vim.env.PAYBILL_FILE))
  local buf = vim.api.nvim_get_current_buf()
  local client = vim.lsp.start_client({
    name = "paybill",
    cmd = { vim.env.PAYBILL_NODE, vim.env.PAYBILL_CLI, "lsp", "--stdio" },
    root_dir = vim.env.PAYBILL_ROOT,
  })
  out.client = client ~= nil
  vim.lsp.buf_attach_client(buf, client)
  out.diagnosed = vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  local before = vim.diagnostic.get(buf)
  out.before = {}
  for _, d in ipairs(before) do table.insert(out.before, { code = d.code, message = d.message, line = d.lnum }) end
  local d = before[1]
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = d.lnum, character = d.col }, ["end"] = { line = d.end_lnum, character = d.end_col } },
    context = { diagnostics = {} },
  }
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 30000) or {}
  local action
  for _, response in pairs(responses) do
    for _, a in ipairs(response.result or {}) do
      if action == nil and a.kind == "quickfix" and a.edit ~= nil then action = a end
    end
  end
  out.title = action and action.title
  if action then vim.lsp.util.apply_workspace_edit(action.edit, "utf-16") end
  out.clean = vim.wait(60000, function() return #vim.diagnostic.get(buf) == 0 end, 20)
  out.after = #vim.diagnostic.get(buf)
  out.text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
end)
if not ok then out.error = tostring(err) end
finish()
