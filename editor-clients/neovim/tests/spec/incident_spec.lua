local incident = require("railguard.incident")

-- What vim.diagnostic makes of an LSP diagnostic on Neovim 0.10 (selected fields copied into
-- user_data.lsp) and 0.11 (the whole LSP diagnostic kept there).
local function diag_010(id, lnum, col, end_col)
  return {
    lnum = lnum,
    end_lnum = lnum,
    col = col or 0,
    end_col = end_col or 10,
    source = "railguard",
    code = id,
    message = "KeyError",
    user_data = { lsp = { code = id, data = { incidentId = id, placement = "exact" } } },
  }
end

local function diag_011(id, lnum)
  return {
    lnum = lnum,
    end_lnum = lnum,
    col = 4,
    end_col = 20,
    source = "railguard",
    code = id,
    message = "KeyError",
    user_data = {
      lsp = {
        range = {
          start = { line = lnum, character = 4 },
          ["end"] = { line = lnum, character = 20 },
        },
        message = "KeyError",
        source = "railguard",
        code = id,
        codeDescription = { href = "http://rg/incidents/" .. id },
        data = { incidentId = id, placement = "changed" },
      },
    },
  }
end

describe("incident_id", function()
  it("reads user_data.lsp.code on 0.10 and 0.11", function()
    assert.equals(7, incident.incident_id(diag_010(7, 1)))
    assert.equals(8, incident.incident_id(diag_011(8, 1)))
  end)

  it("falls back to data.incidentId, then the top-level code", function()
    local d = diag_011(9, 0)
    d.user_data.lsp.code = nil
    assert.equals(9, incident.incident_id(d))
    assert.equals(5, incident.incident_id({ source = "railguard", code = "5", lnum = 0, col = 0 }))
  end)

  it("ignores other sources and bad ids", function()
    local d = diag_010(7, 1)
    d.source = "pyright"
    assert.is_nil(incident.incident_id(d))
    assert.is_nil(incident.incident_id({ source = "railguard", code = "E501", lnum = 0, col = 0 }))
    assert.is_nil(incident.incident_id({ source = "railguard", lnum = 0, col = 0 }))
  end)
end)

describe("at_position", function()
  it("prefers the diagnostic whose range contains the cursor", function()
    local ds = { diag_010(1, 3, 0, 2), diag_010(2, 3, 5, 9), diag_010(3, 4) }
    assert.equals(2, (incident.at_position(ds, 3, 6)))
  end)

  it("falls back to any Railguard diagnostic on the row", function()
    local ds = { { source = "lua_ls", lnum = 3, col = 0, end_col = 80 }, diag_010(4, 3, 10, 12) }
    local id, d = incident.at_position(ds, 3, 0)
    assert.equals(4, id)
    assert.equals(4, d.code)
  end)

  it("returns nil when nothing is on the row", function()
    assert.is_nil((incident.at_position({ diag_011(1, 2) }, 3, 0)))
  end)
end)

describe("to_qf_items", function()
  it("converts list items to 1-based quickfix entries", function()
    local items = incident.to_qf_items({
      {
        incidentId = 7,
        title = "KeyError: 'id'",
        uri = "file:///repo/app/views.py",
        line = 41,
        character = 4,
        severity = 1,
        placement = "exact",
        eventCount = 12,
        lastSeen = "2025-01-02T03:04:05Z",
      },
      {
        incidentId = 8,
        title = "slow query",
        uri = "file:///repo/db.py",
        line = 0,
        severity = "warning",
        placement = "changed",
      },
      { title = "no id or uri: skipped" },
    })
    assert.same({
      {
        filename = "/repo/app/views.py",
        lnum = 42,
        col = 5,
        text = "#7 KeyError: 'id' (12 events, last seen 2025-01-02 03:04 UTC)",
        type = "E",
        user_data = { incidentId = 7 },
      },
      {
        filename = "/repo/db.py",
        lnum = 1,
        col = 1,
        text = "#8 slow query (changed)",
        type = "W",
        user_data = { incidentId = 8 },
      },
    }, items)
  end)

  it("shows the note of an incident whose line was removed, claiming no column", function()
    local item = {
      incidentId = 9,
      title = "ZeroDivisionError",
      uri = "file:///repo/calc.py",
      line = 12,
      severity = 1,
      placement = "deleted",
      note = "not placed: the line was removed since abc1234",
      eventCount = 3,
    }
    assert.is_true(incident.is_unplaced(item))
    assert.same({
      {
        filename = "/repo/calc.py",
        lnum = 13,
        col = 0,
        text = "#9 ZeroDivisionError -- not placed: the line was removed since abc1234 (3 events)",
        type = "E",
        user_data = { incidentId = 9 },
      },
    }, incident.to_qf_items({ item }))
  end)

  it("treats a note without a placement kind as not placed too", function()
    local item = { incidentId = 4, title = "t", uri = "file:///repo/a.py", line = 0, note = "not placed: gone" }
    assert.is_true(incident.is_unplaced(item))
    assert.equals(
      false,
      incident.is_unplaced({ incidentId = 4, title = "t", uri = "file:///a.py", line = 0, placement = "relocated" })
    )
    assert.equals("#4 t -- not placed: gone", incident.to_qf_item(item).text)
  end)

  it("maps severities of both kinds", function()
    assert.same(
      { "E", "W", "I", "N", "E", "I", "N", "E" },
      vim.tbl_map(incident.qf_type, { 1, 2, 3, 4, "fatal", "Information", "debug", "unknown" })
    )
  end)

  it("accepts an empty or missing result", function()
    assert.same({}, incident.to_qf_items({}))
    assert.same({}, incident.to_qf_items(nil))
  end)

  it("says 1 event and shows times in UTC", function()
    assert.same("1 event", incident.plural(1, "event"))
    assert.same("2 open incidents", incident.plural(2, "open incident"))
    assert.same("2025-01-02 03:04 UTC", incident.format_when("2025-01-02T03:04:05.5+00:00"))
    assert.same("not a time", incident.format_when("not a time"))
  end)
  it("filters and labels the picker's incidents", function()
    local items = {
      { incidentId = 1, title = "A", uri = "file:///r/a.py", line = 4, severity = "error",
        status = "open", environments = { "production" }, eventCount = 1 },
      { incidentId = 2, title = "B", uri = "file:///r/b.py", line = 0, severity = "warning",
        status = "resolved", environments = { "staging" },
        fix = { commit = "abc", state = "awaiting_deploy", ancestryKnown = true } },
    }
    local all = incident.parse_filters({})
    assert.same({ 1, 2 }, vim.tbl_map(function(i) return i.incidentId end, incident.filter(items, all)))
    local f = incident.parse_filters({ "status=resolved", "env=staging" })
    assert.same({ 2 }, vim.tbl_map(function(i) return i.incidentId end, incident.filter(items, f)))
    f = incident.parse_filters({ "level=error" })
    assert.same({ 1 }, vim.tbl_map(function(i) return i.incidentId end, incident.filter(items, f)))
    local none, problem = incident.parse_filters({ "colour=red" })
    assert.same(nil, none)
    assert.is_true(problem:find("not a filter", 1, true) ~= nil)
    local rel = function(f2) return f2:gsub("^/r/", "") end
    assert.same("#1 A  a.py:5  open · 1 event", incident.pick_label(items[1], rel))
    assert.same("#2 B  b.py:1  fixed, awaiting deploy", incident.pick_label(items[2], rel))
  end)
end)
