---LuaCATS types shared by the Railguard modules. Nothing here runs.
---@meta

---Options accepted by `require("railguard").setup()`; every field is optional.
---@class (exact) railguard.UserConfig
---@field server_url? string Backend base URL, e.g. "http://127.0.0.1:8000".
---@field token? string Personal API token ("rgp_…"); prefer the credentials file.
---@field credentials_file? string Credentials JSON to read instead of the default file.
---@field project? integer Force a project id instead of matching the origin remote.
---@field cmd? string[] Command that starts the language server on stdio.
---@field cli? string[] Backend CLI used by `:Railguard login`.
---Incident level -> LSP severity name.
---@field severity? table<string, "Error"|"Warning"|"Information"|"Hint">
---@field show_related_frames? boolean Also mark the calling frames of a stack trace.
---@field list? railguard.UserListConfig

---@class (exact) railguard.UserListConfig
---@field open? boolean Open the quickfix/location window after `:Railguard list`.

---The merged options in effect.
---@class (exact) railguard.Config
---@field server_url? string
---@field token? string
---@field credentials_file? string
---@field project? integer
---@field cmd string[]
---@field cli string[]
---@field severity table<string, string>
---@field show_related_frames boolean
---@field list { open: boolean }

---One entry of the `railguard.listIncidents` result (line and character are 0-based).
---@class railguard.ListItem
---@field incidentId integer
---@field title string
---@field uri string
---@field line integer
---@field character? integer
---@field severity? integer|string
---@field placement? "exact"|"changed"|"relocated"|"unverified"|"deleted"
---@field note? string Why the incident is not placed on any line (with `placement = "deleted"`).
---@field eventCount? integer
---@field lastSeen? string
---@field status? "open"|"acknowledged"|"resolved"|"ignored"
---@field environments? string[]
---@field fix? {commit: string, state: string, ancestryKnown: boolean} A fix awaiting a deploy.

---Body of the `railguard.status` command and of the `railguard/status` notification.
---@class railguard.Status
---@field connected boolean
---@field serverUrl? string
---@field user? string
---@field problem? string
---@field projects railguard.ProjectStatus[]

---@class railguard.ProjectStatus
---@field folder string Workspace folder URI.
---@field repository string Normalised repository identity, e.g. "github.com/acme/shop".
---@field projectId? integer
---@field openIncidents integer

---@alias railguard.Subcommand
---| "status"
---| "login"
---| "list"
---| "resolve"
---| "ignore"
---| "open"
---| "refresh"
---| "restart"
