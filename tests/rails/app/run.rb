# Boots the app and serves one request through the whole middleware stack (Rack::MockRequest),
# as a web server would; the controller raises, sentry-rails reports it.
require_relative "config/application"
Rails.application.initialize!
status, _headers, _body = Rails.application.call(Rack::MockRequest.env_for("/orders/42"))
puts "status #{status}"
