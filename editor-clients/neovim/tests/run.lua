-- A tiny busted-like runner for the pure Lua modules: `nvim -l tests/run.lua [spec files…]`.
-- No downloads; run it through scripts/test.sh, which isolates the XDG directories.
local root = vim.fs.dirname(vim.fs.dirname(vim.fs.normalize(debug.getinfo(1, "S").source:sub(2))))
vim.opt.runtimepath:prepend(root)

local results = { passed = 0, failed = 0, failures = {} }
local stack = {} ---@type {name: string, before: function[]}[]

local function full_name(name)
  local parts = {}
  for _, s in ipairs(stack) do
    parts[#parts + 1] = s.name
  end
  parts[#parts + 1] = name
  return table.concat(parts, " ")
end

function _G.describe(name, fn)
  stack[#stack + 1] = { name = name, before = {} }
  fn()
  stack[#stack] = nil
end

function _G.before_each(fn)
  table.insert(stack[#stack].before, fn)
end

function _G.it(name, fn)
  local ok, err = xpcall(function()
    for _, s in ipairs(stack) do
      for _, b in ipairs(s.before) do
        b()
      end
    end
    fn()
  end, debug.traceback)
  if ok then
    results.passed = results.passed + 1
    io.stdout:write(".")
  else
    results.failed = results.failed + 1
    results.failures[#results.failures + 1] = full_name(name) .. "\n" .. tostring(err)
    io.stdout:write("F")
  end
end

local function fail(msg, level)
  error(msg, (level or 1) + 2)
end

_G.assert = setmetatable({
  same = function(expected, actual)
    if not vim.deep_equal(expected, actual) then
      fail(("expected:\n%s\ngot:\n%s"):format(vim.inspect(expected), vim.inspect(actual)))
    end
  end,
  equals = function(expected, actual)
    if expected ~= actual then
      fail(("expected %s, got %s"):format(vim.inspect(expected), vim.inspect(actual)))
    end
  end,
  is_nil = function(v)
    if v ~= nil then
      fail("expected nil, got " .. vim.inspect(v))
    end
  end,
  is_true = function(v)
    if v ~= true then
      fail("expected true, got " .. vim.inspect(v))
    end
  end,
  has_error = function(fn, pattern)
    local ok, err = pcall(fn)
    if ok then
      fail("expected an error")
    end
    if pattern and not tostring(err):find(pattern, 1, true) then
      fail(("error %q does not contain %q"):format(tostring(err), pattern))
    end
  end,
}, {
  __call = function(_, v, msg)
    if not v then
      fail(msg or "assertion failed")
    end
    return v
  end,
})

local files = #_G.arg > 0 and _G.arg
  or vim.fn.glob(vim.fs.joinpath(root, "tests", "spec", "*_spec.lua"), false, true)
for _, file in ipairs(files) do
  local chunk, err = loadfile(file)
  if not chunk then
    results.failed = results.failed + 1
    results.failures[#results.failures + 1] = file .. "\n" .. tostring(err)
  else
    stack = { { name = vim.fs.basename(file):gsub("_spec%.lua$", ""), before = {} } }
    chunk()
  end
end

io.stdout:write("\n")
for _, f in ipairs(results.failures) do
  io.stdout:write("\nFAIL " .. f .. "\n")
end
io.stdout:write(("\n%d passed, %d failed\n"):format(results.passed, results.failed))
os.exit(results.failed == 0 and 0 or 1)
