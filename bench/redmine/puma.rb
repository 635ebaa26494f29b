# Puma for the benchmark's Redmine (bench/redmine/serve.sh).
#
# Sizing: Redmine's documentation leaves the application server to the installer; Rails'
# own generated config/puma.rb starts WEB_CONCURRENCY workers of RAILS_MAX_THREADS (5)
# threads, and recommends a worker per core. On the benchmark's two cores that is two
# worker processes (Ruby runs one thread at a time per process, so a process per core is
# what uses both) of five threads each (threads wait on SQLite and the network). Both can
# be changed: REDMINE_WORKERS, REDMINE_THREADS.
workers Integer(ENV.fetch('REDMINE_WORKERS', 2))
threads_count = Integer(ENV.fetch('REDMINE_THREADS', 5))
threads threads_count, threads_count

# Loopback only, as duban's server in the benchmark.
bind "tcp://127.0.0.1:#{ENV.fetch('REDMINE_PORT', '18181')}"
environment 'production'
directory '/usr/share/redmine'
rackup File.expand_path('config.ru', __dir__)

# The application is loaded once and forked, so the workers share its memory pages.
preload_app!
# Each worker opens its own database connections after the fork.
before_fork { ActiveRecord::Base.connection_pool.disconnect! if defined?(ActiveRecord::Base) }
on_worker_boot { ActiveRecord::Base.establish_connection if defined?(ActiveRecord::Base) }
