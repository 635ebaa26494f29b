# Loads the synthetic province that `duban bench-data` generated into a fresh Redmine
# instance, for the side-by-side comparison of bench/run.sh (issue G). Run with Redmine's
# `rails runner` (bench/redmine/setup.sh does), after `db:migrate` and
# `redmine:load_default_data`:
#
#   rails runner load.rb DUBAN_BACKUP.zip OUT_DIR
#
# The input is the zip of `duban backup`: every table of duban's database as JSON
# (tables/NAME.json: {"name", "columns", "rows"}), the same on SQLite and PostgreSQL, so the
# loader reads what duban itself exports rather than its database files.
#
# The mapping, one Redmine object per duban object:
#   plan            -> project (private; tracker 任务; module issue_tracking)
#   plan item       -> issue (tracker 任务), the parent of its assignments' issues
#   assignment      -> sub-issue assigned to the user standing for the unit; status 进行中
#                      once the unit has reported, else 新建; done ratio = the share the
#                      unit's latest report states
#   monthly report  -> journal (a note) on the assignment's issue, by the unit's user, at the
#                      report's submission time, with the report's text
#   reporter        -> user with the same login and password, role 报告人员 in the city's
#                      project, in group 填报员; units that have no reporter in duban (bureau
#                      departments, schools' groups) get a user "u<unit id>" of their own
#   supervisor      -> user with the same login, role 管理人员 in every project, in group 督办员
#
# Everything is written with `insert_all` in large batches and explicit ids (a fresh
# database), so the full province (~9,600 assignments, ~97,000 reports) loads in well under
# a minute instead of the hours that saving 100,000 ActiveRecord objects one by one with
# their callbacks would take. The nested-set columns of issues (root_id, lft, rgt) are
# computed here as Redmine's awesome_nested_set would: each plan item is the root of a tree
# of depth one.
#
# It writes OUT_DIR/admin-api-key (the API key of Redmine's admin, which the load generator
# uses to discover everything else through the REST API) and turns on the REST API.

require 'json'
require 'zip'
require 'digest/sha1'

backup, out_dir = ARGV
abort 'usage: rails runner load.rb DUBAN_BACKUP.zip OUT_DIR' unless backup && out_dir
password = ENV.fetch('DUBAN_BENCH_PASSWORD', 'Duban@2024')
started = Time.now

# --- duban's tables ---------------------------------------------------------------------

# Rows of one table as hashes keyed by column name.
def table(zip, name)
  dump = JSON.parse(zip.read("tables/#{name}.json"))
  cols = dump['columns']
  dump['rows'].map { |r| cols.zip(r).to_h }
end

tables = Zip::File.open(backup) do |zip|
  %w[units users plans tasks assignments reports].to_h { |t| [t, table(zip, t)] }
end
units = tables['units'].to_h { |u| [u['id'], u] }
plans = tables['plans'].select { |p| p['status'] == 'published' }.sort_by { |p| p['id'] }
plan_ids = plans.map { |p| p['id'] }.to_set
tasks = tables['tasks'].select { |t| plan_ids.include?(t['plan_id']) }
                       .sort_by { |t| [t['plan_id'], t['position'], t['id']] }
assignments_by_task = tables['assignments'].group_by { |a| a['task_id'] }
assignments_by_task.each_value { |list| list.sort_by! { |a| a['id'] } }
# Drafts were never sent: only what a unit submitted is a report to the bureau.
reports_by_assignment = tables['reports'].reject { |r| r['state'] == 'draft' || r['submitted_at'].nil? }
                                         .group_by { |r| r['assignment_id'] }
reports_by_assignment.each_value { |list| list.sort_by! { |r| [r['period'], r['id']] } }
duban_users = tables['users'].reject { |u| u['disabled'].to_i == 1 }
reporters = duban_users.select { |u| u['role'] == 'reporter' && u['unit_id'] }.sort_by { |u| u['username'] }
supervisors = duban_users.select { |u| u['role'] == 'supervisor' }.sort_by { |u| u['username'] }

# --- Redmine's reference data (from redmine:load_default_data REDMINE_LANG=zh) ---------------

now = Time.now.change(usec: 0)
status_new, status_in_progress = IssueStatus.sorted.to_a.first(2)
priority = IssuePriority.default || IssuePriority.first
manager_role, _developer_role, reporter_role = Role.givable.sorted.to_a
admin = User.find_by!(login: 'admin')

tracker = Tracker.find_by(name: '任务') ||
          Tracker.create!(name: '任务', default_status: status_new, is_in_roadmap: false)
WorkflowRule.copy(Tracker.where.not(id: tracker.id).sorted.first, nil, [tracker], [])

Setting.rest_api_enabled = '1'
Setting.default_language = 'zh'

# The same password as every duban user, so a person can sign in to both with one.
salt = User.generate_salt
hashed_password = User.hash_password("#{salt}#{User.hash_password(password)}")
admin.update_columns(salt: salt, hashed_password: hashed_password, must_change_passwd: false,
                     language: 'zh', passwd_changed_on: now)

# --- users ------------------------------------------------------------------------------

user_id = User.maximum(:id).to_i
user_rows = []
new_user = lambda do |login, firstname, lastname|
  user_id += 1
  # Redmine limits a first name to 30 characters.
  user_rows << { id: user_id, login: login, firstname: firstname[0, 30], lastname: lastname,
                 hashed_password: hashed_password, salt: salt, admin: false, status: User::STATUS_ACTIVE,
                 language: 'zh', mail_notification: 'none', type: 'User', created_on: now, updated_on: now,
                 passwd_changed_on: now, must_change_passwd: false }
  user_id
end

# One user per unit that has an assignment: its reporter's login where duban has one.
reporter_login = reporters.to_h { |u| [u['unit_id'], u['username']] }
unit_user = {}
tasks.each do |t|
  (assignments_by_task[t['id']] || []).each do |a|
    unit_user[a['unit_id']] ||= begin
      name = units.dig(a['unit_id'], 'name') || "单位#{a['unit_id']}"
      new_user.call(reporter_login[a['unit_id']] || "u#{a['unit_id']}", name, '填报员')
    end
  end
end
# Reporters of units with no assignment in a published plan still exist (and sign in).
reporters.each do |u|
  unit_user[u['unit_id']] ||= new_user.call(u['username'], units.dig(u['unit_id'], 'name') || u['display_name'], '填报员')
end
supervisor_ids = supervisors.map do |u|
  new_user.call(u['username'], u['display_name'].delete_suffix('督办员'), '督办员')
end

User.insert_all!(user_rows) if user_rows.any?
EmailAddress.insert_all!(user_rows.map do |u|
  { user_id: u[:id], address: "#{u[:login]}@duban.invalid", is_default: true, notify: false,
    created_on: now, updated_on: now }
end) if user_rows.any?
# An API key for every user, as each would create for themselves on "My account".
Token.where(action: 'api').delete_all
Token.insert_all!(([admin.id] + user_rows.map { |u| u[:id] }).map do |id|
  { user_id: id, action: 'api', value: Token.generate_token_value, created_on: now, updated_on: now }
end)

# Groups that tell the load generator which users are duban's reporters and supervisors.
groups = { '填报员' => reporters.map { |u| unit_user[u['unit_id']] }, '督办员' => supervisor_ids }
groups.each do |name, ids|
  group = Group.find_by(lastname: name) || Group.create!(lastname: name)
  rows = ids.uniq.map { |id| { group_id: group.id, user_id: id } }
  ActiveRecord::Base.connection.execute(
    "INSERT INTO groups_users (group_id, user_id) VALUES " +
    rows.map { |r| "(#{r[:group_id]}, #{r[:user_id]})" }.join(', ')
  ) if rows.any?
end

# --- projects, memberships, issues, journals -------------------------------------------

# Redmine stores local times (config.active_record.default_timezone = :local).
def at(text, fallback)
  text ? Time.iso8601(text.sub(/Z\z/, '+00:00')).localtime.change(usec: 0) : fallback
rescue ArgumentError
  fallback
end

# The share of the year's work a report states ("累计完成全年任务的42%"), as Redmine's done ratio.
def done_ratio(report)
  m = report && report['cumulative'].to_s.match(/(\d+(?:\.\d+)?)\s*%/)
  m ? [[m[1].to_f.round, 0].max, 100].min : 0
end

STATE = { 'approved' => '已审核', 'submitted' => '已提交', 'returned' => '已退回' }.freeze
ROLE = { 'lead' => '牵头', 'responsible' => '责任', 'co' => '配合' }.freeze

def note(report)
  lines = ["【#{report['period']} 月报】(#{STATE.fetch(report['state'], report['state'])})",
           "本月进展:#{report['progress']}",
           "累计完成:#{report['cumulative']}",
           "存在问题:#{report['problems']}",
           "下步打算:#{report['next_steps']}"]
  lines << "审核意见:#{report['review_comment']}" if report['review_comment'].present?
  lines.join("\n")
end

member_id = Member.maximum(:id).to_i
member_rows = []
member_role_rows = []
add_member = lambda do |user, project, role|
  member_id += 1
  member_rows << { id: member_id, user_id: user, project_id: project, created_on: now, mail_notification: false }
  member_role_rows << { member_id: member_id, role_id: role.id }
end

issue_id = Issue.maximum(:id).to_i
journal_id = Journal.maximum(:id).to_i
issues = 0
journals = 0
flush = lambda do |issue_rows, journal_rows|
  Issue.insert_all!(issue_rows) if issue_rows.any?
  journal_rows.each_slice(5_000) { |slice| Journal.insert_all!(slice) }
  issues += issue_rows.size
  journals += journal_rows.size
end

ActiveRecord::Base.transaction do
  plans.each do |plan|
    identifier = "plan-#{plan['id']}"
    project = Project.find_by(identifier: identifier) ||
              Project.create!(name: plan['title'][0, 255], identifier: identifier, is_public: false,
                              description: "#{plan['source_name']}(由 duban 基准数据导入)",
                              tracker_ids: [tracker.id], enabled_module_names: %w[issue_tracking])
    published = at(plan['published_at'], now)
    plan_tasks = tasks.select { |t| t['plan_id'] == plan['id'] }
    plan_units = plan_tasks.flat_map { |t| (assignments_by_task[t['id']] || []).map { |a| a['unit_id'] } }.uniq
    plan_units.each { |u| add_member.call(unit_user.fetch(u), project.id, reporter_role) }
    supervisor_ids.each { |s| add_member.call(s, project.id, manager_role) }

    issue_rows = []
    journal_rows = []
    plan_tasks.each do |t|
      children = assignments_by_task[t['id']] || []
      root = issue_id += 1
      start_date = Date.parse(t['start_date']) rescue nil
      due_date = Date.parse(t['deadline']) rescue nil
      # The item exists from its start (the generated reports begin then, before the
      # generator's own publishing time).
      created = start_date ? start_date.to_time.change(hour: 9) : published
      base = { tracker_id: tracker.id, project_id: project.id, priority_id: priority.id, author_id: admin.id,
               start_date: start_date, due_date: due_date, is_private: false, lock_version: 0,
               created_on: created, root_id: root, category_id: nil, fixed_version_id: nil,
               estimated_hours: nil, closed_on: nil }
      ratios = []
      last_update = created
      children.each_with_index do |a, k|
        id = issue_id += 1
        unit = units.dig(a['unit_id'], 'name') || "单位#{a['unit_id']}"
        reports = reports_by_assignment[a['id']] || []
        user = unit_user.fetch(a['unit_id'])
        updated = created
        reports.each do |r|
          journal_id += 1
          time = at(r['submitted_at'], created)
          updated = [updated, time].max
          journal_rows << { id: journal_id, journalized_id: id, journalized_type: 'Issue', user_id: user,
                            notes: note(r), created_on: time, private_notes: false }
        end
        ratio = done_ratio(reports.last)
        ratios << ratio
        last_update = [last_update, updated].max
        issue_rows << base.merge(
          id: id, parent_id: root, lft: 2 * (k + 1), rgt: 2 * (k + 1) + 1,
          subject: "#{unit}:#{t['item_label']}#{t['title']}"[0, 255],
          description: "#{t['item_label']}#{t['title']}\n\n责任单位:#{unit}(#{ROLE.fetch(a['role'], a['role'])}" \
                       "#{a['via_group'] ? ",经由#{a['via_group']}" : ''})",
          status_id: (reports.any? ? status_in_progress : status_new).id,
          assigned_to_id: user, done_ratio: ratio, updated_on: updated
        )
      end
      # Redmine derives a parent's done ratio from its children's (the default setting).
      issue_rows << base.merge(
        id: root, parent_id: nil, lft: 1, rgt: 2 * children.size + 2,
        subject: "#{t['item_label']}#{t['title']}"[0, 255],
        description: "#{t['section_title']}\n\n#{t['body']}",
        status_id: (ratios.any?(&:positive?) ? status_in_progress : status_new).id,
        assigned_to_id: nil, done_ratio: ratios.empty? ? 0 : (ratios.sum / ratios.size).floor,
        updated_on: last_update
      )
    end
    flush.call(issue_rows.sort_by { |r| r[:id] }, journal_rows)
  end
  Member.insert_all!(member_rows) if member_rows.any?
  MemberRole.insert_all!(member_role_rows) if member_role_rows.any?
end

# The same journal mode as duban's database (WAL; synchronous stays FULL, SQLite's default),
# so the comparison is of the two programs, not of two SQLite settings. Kept in the file.
# (No ANALYZE: duban runs none either.)
conn = ActiveRecord::Base.connection
conn.execute('PRAGMA journal_mode = WAL') if conn.adapter_name =~ /sqlite/i

File.write(File.join(out_dir, 'admin-api-key'), admin.reload.api_key + "\n")
puts format('Redmine:%d 个项目,%d 个用户,%d 个问题(%d 个任务项 + 子任务),%d 条日志(月报);%.1f 秒',
            plans.size, user_rows.size + 1, issues, tasks.size, journals, Time.now - started)
