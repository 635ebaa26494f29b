# Rack entry point for the benchmark's Redmine: Debian's /usr/share/redmine/config.ru, with
# the log level at warn (as duban runs with DUBAN_LOG=warn; Redmine sets :info in its
# config/application.rb and has no setting for it, so it is changed here, after the
# application is defined and before it is initialised), and, unless
# REDMINE_SQLITE_FIXES=0, two fixes to Rails 6.1's SQLite adapter that later Rails
# versions made themselves.
#
# Why the fixes: Debian's Redmine 5.0 runs on Rails 6.1 and the sqlite3 gem 1.4, and with
# several puma threads and workers writing, that adapter fails or stalls where SQLite need
# not:
# - It opens transactions DEFERRED: a transaction reads, then tries to write, and if another
#   connection wrote in between SQLite answers "database is locked" at once (no waiting can
#   help a stale snapshot), so concurrent note additions fail with 500. Rails 7.1 opens them
#   IMMEDIATE (the write lock is taken, waiting if need be, when the transaction begins).
# - Its `timeout` is sqlite3's busy_timeout, which waits inside C with Ruby's global lock
#   held: one thread waiting for the write lock stops every thread of its process. Later
#   Rails and sqlite3 versions wait in Ruby; here a busy handler that sleeps does so (same
#   limit: the database.yml `timeout`).
# Both only change how the adapter waits for SQLite's lock; the comparison would otherwise be
# of a known adapter defect rather than of Redmine. REDMINE_SQLITE_FIXES=0 runs it stock.
require '/usr/share/redmine/config/application'
Rails.application.config.log_level = :warn

if ENV.fetch('REDMINE_SQLITE_FIXES', '1') != '0'
  module DubanBenchSqliteFixes
    def begin_db_transaction
      log('begin immediate transaction', 'TRANSACTION') { @connection.transaction(:immediate) }
    end

    private

    def configure_connection
      super
      limit = @config[:timeout].to_f / 1000
      started = nil
      @connection.busy_handler do |count|
        now = Process.clock_gettime(Process::CLOCK_MONOTONIC)
        started = now if count.zero?
        next false if now - started > limit

        # Sleeping releases Ruby's global lock, so the process's other threads go on.
        sleep(count < 10 ? 0.001 : 0.005)
        true
      end
    end
  end

  ActiveSupport.on_load(:active_record_sqlite3adapter) { prepend DubanBenchSqliteFixes }
end

require '/usr/share/redmine/config/environment'
run Rails.application
