---Pure helpers around incidents: read the incident id out of a `vim.Diagnostic`, find the one
---under the cursor, and turn `railguard.listIncidents` items into quickfix items.
local M = {}

M.SOURCE = "railguard"

---@param v any
---@return integer?
local function as_id(v)
  if type(v) == "number" and v == math.floor(v) and v > 0 then
    return v
  end
  if type(v) == "string" and v:match("^%d+$") then
    return tonumber(v)
  end
  return nil
end

---Incident id of a Railguard diagnostic, or nil for any other diagnostic.
---Neovim 0.10 copies `code`, `data`, … into `user_data.lsp`; 0.11 keeps the whole LSP
---diagnostic there. Both carry `code` (the id) and `data.incidentId`.
---@param d vim.Diagnostic
---@return integer?
function M.incident_id(d)
  if d.source ~= M.SOURCE then
    return nil
  end
  local lsp = type(d.user_data) == "table" and d.user_data.lsp or nil
  if type(lsp) == "table" then
    local id = as_id(lsp.code)
    if id then
      return id
    end
    if type(lsp.data) == "table" then
      id = as_id(lsp.data.incidentId)
      if id then
        return id
      end
    end
  end
  return as_id(d.code)
end

---The Railguard incident at a 0-based (row, col): a diagnostic whose range contains the
---position wins over one that only shares the row.
---@param diagnostics vim.Diagnostic[]
---@param row integer 0-based
---@param col integer 0-based byte column
---@return integer? id, vim.Diagnostic? diagnostic
function M.at_position(diagnostics, row, col)
  local on_row ---@type vim.Diagnostic?
  for _, d in ipairs(diagnostics) do
    local id = M.incident_id(d)
    if id then
      local end_lnum = d.end_lnum or d.lnum
      if d.lnum <= row and row <= end_lnum then
        local starts_before = d.lnum < row or d.col <= col
        local ends_after = end_lnum > row or (d.end_col or d.col) > col
        if starts_before and ends_after then
          return id, d
        end
        on_row = on_row or d
      end
    end
  end
  if on_row then
    return M.incident_id(on_row), on_row
  end
  return nil, nil
end

local QF_TYPE = {
  [1] = "E",
  [2] = "W",
  [3] = "I",
  [4] = "N",
  fatal = "E",
  error = "E",
  warning = "W",
  info = "I",
  information = "I",
  debug = "N",
  hint = "N",
}

---@param severity integer|string|nil LSP severity number or an incident level name
---@return string
function M.qf_type(severity)
  if type(severity) == "string" then
    severity = severity:lower()
  end
  return QF_TYPE[severity] or "E"
end

---True when the server could not place the incident on any line (its line was removed): the
---item then has `placement = "deleted"` and a `note`, and its `line` is only where the line was.
---@param item railguard.ListItem
---@return boolean
function M.is_unplaced(item)
  return item.placement == "deleted" or (type(item.note) == "string" and item.note ~= "")
end

---`1 event`, `2 events`.
---@param count integer
---@param noun string
---@return string
function M.plural(count, noun)
  return ("%d %s"):format(count, count == 1 and noun or (noun .. "s"))
end

---An ISO 8601 time as `2025-01-02 03:04 UTC` (the text itself when it is not one).
---@param iso string
---@return string
function M.format_when(iso)
  local date, hm = iso:match("^(%d%d%d%d%-%d%d%-%d%d)T(%d%d:%d%d)")
  if not date then
    return iso
  end
  local offset = iso:match("[Zz]$") or iso:match("[+-]00:?00$")
  return offset and ("%s %s UTC"):format(date, hm) or ("%s %s"):format(date, hm)
end

---Converts one `railguard.listIncidents` item, e.g.
---`{incidentId = 7, title = "KeyError: 'id'", uri = "file:///repo/app.py", line = 41,
---character = 4, severity = 1, placement = "exact", eventCount = 12, lastSeen = "…"}`.
---Columns are in the negotiated position encoding, which Neovim 0.10+ sets to utf-8 (bytes).
---An unplaced incident keeps its file and the line where its line was removed as the jump
---target, but claims no column and says "not placed: …" in the text.
---@param item railguard.ListItem
---@return vim.quickfix.entry
function M.to_qf_item(item)
  local unplaced = M.is_unplaced(item)
  local text = ("#%d %s"):format(item.incidentId, item.title or "")
  if unplaced then
    text = text .. " -- " .. (item.note or "not placed on any line of this file")
  end
  local extra = {}
  if item.eventCount then
    extra[#extra + 1] = M.plural(item.eventCount, "event")
  end
  if item.lastSeen then
    extra[#extra + 1] = "last seen " .. M.format_when(item.lastSeen)
  end
  if item.placement and item.placement ~= "exact" and not unplaced then
    extra[#extra + 1] = item.placement
  end
  if #extra > 0 then
    text = text .. " (" .. table.concat(extra, ", ") .. ")"
  end
  return {
    filename = vim.uri_to_fname(item.uri),
    lnum = (item.line or 0) + 1,
    col = unplaced and 0 or (item.character or 0) + 1,
    text = text,
    type = M.qf_type(item.severity),
    user_data = { incidentId = item.incidentId },
  }
end

---@param items railguard.ListItem[]
---@return vim.quickfix.entry[]
function M.to_qf_items(items)
  local out = {}
  for _, item in ipairs(items or {}) do
    if type(item) == "table" and item.uri and item.incidentId then
      out[#out + 1] = M.to_qf_item(item)
    end
  end
  return out
end

---Filters of `:Railguard pick`, from `status=open,acknowledged env=production level=error`.
---@param fargs string[]
---@return {status?: table<string, true>, environment?: string, level?: string}?, string?
function M.parse_filters(fargs)
  local filters = {}
  for _, arg in ipairs(fargs) do
    local key, value = arg:match("^(%w+)=(.+)$")
    if key == "status" then
      filters.status = {}
      for s in value:gmatch("[^,]+") do
        filters.status[s] = true
      end
    elseif key == "env" or key == "environment" then
      filters.environment = value
    elseif key == "level" then
      filters.level = value
    else
      return nil, "not a filter: " .. arg .. " (status=…, env=…, level=…)"
    end
  end
  return filters, nil
end

---The `railguard.listIncidents` items that pass `filters`.
---@param items railguard.ListItem[]?
---@param filters {status?: table<string, true>, environment?: string, level?: string}
---@return railguard.ListItem[]
function M.filter(items, filters)
  return vim.tbl_filter(function(item)
    if type(item) ~= "table" or not item.incidentId then
      return false
    end
    if filters.status and not filters.status[item.status or "open"] then
      return false
    end
    if filters.level and item.severity ~= filters.level then
      return false
    end
    if filters.environment and not vim.tbl_contains(item.environments or {}, filters.environment) then
      return false
    end
    return true
  end, items or {})
end

---One line of the picker: `#7 KeyError: 'id'  app/views.py:42  open · 12 events`.
---@param item railguard.ListItem
---@param relative fun(fname: string): string
---@return string
function M.pick_label(item, relative)
  local where = relative(vim.uri_to_fname(item.uri))
  if not M.is_unplaced(item) then
    where = ("%s:%d"):format(where, (item.line or 0) + 1)
  end
  local facts = { item.status or "open" }
  if item.fix then
    facts[1] = "fixed, awaiting deploy"
  end
  if item.eventCount then
    facts[#facts + 1] = M.plural(item.eventCount, "event")
  end
  return ("#%d %s  %s  %s"):format(item.incidentId, item.title or "", where, table.concat(facts, " · "))
end

---What can be done to a picked incident: label and the server command (nil: jump to it).
M.PICK_ACTIONS = {
  { label = "Go to", command = nil },
  { label = "Resolve", command = "railguard.resolveIncident" },
  { label = "Acknowledge", command = "railguard.acknowledgeIncident" },
  { label = "Ignore", command = "railguard.ignoreIncident" },
  { label = "Open in the browser", command = "railguard.openIncident" },
}

return M
