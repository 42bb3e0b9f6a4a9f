# A minimal Rails application: Action Controller only, no database, no Bundler (the Debian
# packages provide the gems).
require "logger"
require "rails"
require "action_controller/railtie"
require "sentry-ruby"
require "sentry-rails"

module Shop
  class Application < Rails::Application
    config.load_defaults 6.1
    config.root = File.expand_path("..", __dir__)
    config.eager_load = false
    config.secret_key_base = "0" * 64
    config.logger = Logger.new($stderr, level: :warn)
    config.hosts.clear
    config.consider_all_requests_local = false
    config.action_dispatch.show_exceptions = true
  end
end
