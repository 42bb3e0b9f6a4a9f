Sentry.init do |config|
  config.dsn = ENV.fetch("SENTRY_DSN")
  config.release = ENV.fetch("SENTRY_RELEASE")
  config.environment = "production"
  config.background_worker_threads = 0 # send before the process exits
end
