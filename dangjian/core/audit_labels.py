"""Chinese names of audit actions, for the audit log's pages and exports (never ``accounts.login``).

Apps add theirs with ``register_action_labels`` from ``AppConfig.ready()``; the common ones are here.
An action without a label shows its app's name and its code.
"""

from __future__ import annotations

ACTION_LABELS: dict[str, str] = {
    "accounts.login": "登录",
    "accounts.login_failed": "登录失败",
    "accounts.create_user": "创建账号",
    "accounts.grant_role": "授予角色",
    "accounts.end_role": "撤销角色",
    "accounts.ensure_default_roles": "初始化角色",
    "accounts.issue_token": "签发接口令牌",
    "accounts.revoke_token": "吊销接口令牌",
    "accounts.change_password": "修改密码",
    "accounts.reset_password": "重置密码",
    "accounts.disable_user": "停用账号",
    "accounts.enable_user": "启用账号",
    "accounts.otp_enrolled": "绑定二次验证",
    "accounts.otp_failed": "二次验证失败",
    "accounts.otp_recovery_used": "使用恢复码登录",
    "accounts.otp_reset": "重置二次验证",
    "accounts.seed_demo": "生成演示账号",
    "accounts.set_security_policy": "修改安全策略",
    "core.audit_checkpoint": "审计检查点",
    "core.audit_purge": "清理过期审计记录",
    "core.export_audit": "导出审计记录",
    "core.backup": "数据备份",
    "core.restore": "数据恢复",
    "core.rotate_pii_keys": "轮换个人信息密钥",
    "core.rebuild_blind_index": "重建盲索引",
    "orgs.create_org": "新建组织",
    "orgs.update_org": "修改组织",
    "orgs.move_org": "调整组织隶属",
    "orgs.start_term": "换届",
    "orgs.set_post": "任命班子职务",
    "orgs.save_liaison_group": "维护联络组",
    "orgs.seed_demo": "生成演示组织",
    "people.create_person": "登记人员",
    "people.update_person": "修改人员信息",
    "people.enroll_member": "登记党员",
    "people.update_member": "修改党籍信息",
    "people.remove_member": "移出党员名册",
    "people.readmit_member": "恢复党籍",
    "people.reveal_pii": "查看完整个人信息",
    "people.search_id": "按身份证号查找",
    "people.view_person": "查看人员页面",
    "people.id_out_of_scope": "登记范围外身份证号（已拒绝）",
    "people.import_members": "导入花名册",
    "people.export_roster": "导出花名册",
    "people.save_household": "维护户信息",
    "people.record_dues_payment": "登记党费",
    "people.set_dues_assessment": "核定党费标准",
    "people.transfer.request_out": "申请转出",
    "people.transfer.request_in": "登记转入",
    "people.transfer.approve": "转出审批",
    "people.transfer.issue": "开具介绍信",
    "people.transfer.receive": "接收转接",
    "people.transfer.return": "退回转接",
    "people.transfer.mark_overdue": "标记转接超期",
    "people.seed_demo": "生成演示人员",
    "activities.record_activity": "记录组织生活",
    "activities.update_activity": "修改组织生活",
    "activities.set_attendance": "登记出席",
    "activities.mark_all_present": "登记出席（全部出席，另记例外）",
    "activities.check_in": "扫码签到",
    "activities.add_photo": "上传活动照片",
    "activities.record_appraisals": "民主评议",
    "activities.seed_demo": "生成演示活动",
    "reports.save_summary_section": "编辑年度综述",
}

APP_LABELS = {
    "accounts": "账号",
    "core": "系统",
    "orgs": "组织",
    "people": "党员",
    "activities": "组织生活",
    "reports": "统计报告",
    "projects": "项目",
    "casework": "走访与诉求",
    "checklists": "重点任务",
    "ratings": "评星定级",
    "payouts": "发放",
}


def register_action_labels(labels: dict[str, str]) -> None:
    for code, label in labels.items():
        if ACTION_LABELS.get(code, label) != label:
            raise ValueError(f"audit action {code} already has the label {ACTION_LABELS[code]!r}")
        ACTION_LABELS[code] = label


def action_label(code: str) -> str:
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    if code.startswith("people.development."):
        return "发展党员"
    app = code.split(".", 1)[0]
    return f"{APP_LABELS.get(app, app)}：{code}"


# Chinese names of the keys an entry's ``data`` holds, for the details shown on demand. Apps add theirs
# with ``register_data_labels``; a key without a name is shown as it is (never the whole dict's repr).
DATA_LABELS: dict[str, str] = {
    "username": "用户名",
    "reason": "原因",
    "name": "名称",
    "title": "标题",
    "year": "年度",
    "kind": "类型",
    "count": "条数",
    "total": "合计",
    "total_fen": "金额合计",
    "amount_fen": "金额",
    "income_fen": "收入",
    "costs_fen": "成本",
    "reserve_fen": "公积公益金",
    "undistributed_fen": "未分配",
    "land_compensation_fen": "土地补偿",
    "lump_sum_rent_fen": "一次性租金",
    "lump_sum_rent_years": "一次性租金年数",
    "payments": "发放笔数",
    "payment": "发放记录",
    "entitlement": "应发名单",
    "method": "方式",
    "seed": "演示数据",
    "orgs": "组织",
    "created": "新建",
    "users": "账号",
    "members": "党员",
    "residents": "居民",
    "attendance": "出席记录",
    "present": "出席",
    "eligible": "应到",
    "votes_for": "赞成票",
    "person": "人员",
    "home_org": "原组织",
    "from": "从",
    "to": "到",
    "parent": "上级组织",
    "step": "步骤",
    "steps": "步骤",
    "due_on": "期限",
    "report": "报告",
    "milestone": "节点",
    "projects": "项目",
    "investment": "投资",
    "indicator": "指标",
    "points": "积分",
    "stars": "星级",
    "score": "得分",
    "item": "事项",
    "ratings": "评星",
    "campaigns": "评选",
    "commitments": "承诺",
    "promise": "承诺事项",
    "promises": "承诺事项",
    "nomination": "推荐",
    "winners": "获评",
    "lines": "行数",
    "ledgers": "台账",
    "tasks": "任务",
    "owners": "责任单位",
    "done": "已完成",
    "late": "超期",
    "open": "未完成",
    "supervision": "督导",
    "visits": "走访",
    "problems": "问题",
    "rectified": "已整改",
    "themes": "调研课题",
    "research_visits": "调研走访",
    "targets": "重点帮扶对象",
    "requests": "诉求",
    "transfers": "组织关系转接",
    "dues_payments": "党费记录",
    "development_cases": "发展对象",
    "appraisals": "民主评议",
    "ordinary_life": "组织生活",
    "current": "当前",
    "service": "服务",
    "deed": "事迹",
    "rule_cases": "规则案例",
    "on_roll_year_end": "年末在册",
    "zone_records": "区级记录",
    "member_login": "党员账号",
    "section": "章节",
    "org": "组织",
    "ip": "IP地址",
    "role": "角色",
    "scope": "范围",
    "field": "字段",
    "fields": "字段",
    "changed": "修改项",
    "rows": "行数",
    "filters": "筛选条件",
    "start": "起始",
    "end": "截止",
}


def register_data_labels(labels: dict[str, str]) -> None:
    for key, label in labels.items():
        if DATA_LABELS.get(key, label) != label:
            raise ValueError(f"audit data key {key} already has the label {DATA_LABELS[key]!r}")
        DATA_LABELS[key] = label


def data_label(key: str) -> str:
    return DATA_LABELS.get(key, key)


def data_text(key: str, value: object) -> str:
    """One value of an entry's data as a person reads it: 是/否, 元 for 分, lists and maps spelled out."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "—"
    if key.endswith("_fen") and isinstance(value, int):
        return f"{value / 100:,.2f}元"
    if isinstance(value, dict):
        return "；".join(f"{data_label(k)}：{data_text(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(data_text(key, v) for v in value)
    return str(value)


def data_rows(data: object) -> list[tuple[str, str]]:
    """(Chinese name, value) of each key of an entry's data, for its details."""
    if not isinstance(data, dict):
        return [("内容", data_text("", data))] if data not in (None, "", []) else []
    return [(data_label(k), data_text(k, v)) for k, v in data.items()]
