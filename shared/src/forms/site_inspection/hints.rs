//! UI hints of the inspection: the label (zh, en) and widget of every field, per model type
//! (the schema's `$defs` name, `Inspection` for the root). Field order is the form's order.

/// `(property, zh, en, widget)`.
pub type FieldHint = (&'static str, &'static str, &'static str, &'static str);

/// Per model type: its label and fields.
pub const TYPES: &[(&str, &str, &str, &[FieldHint])] = &[
    (
        "Inspection",
        "清查整治检查记录",
        "Site inspection record",
        &[
            ("id", "记录编号", "Record id", "hidden"),
            ("formType", "表单类型", "Form type", "hidden"),
            ("header", "基本信息", "Header", "group"),
            ("campaign", "专项行动", "Campaign", "group"),
            ("team", "检查组", "Team", "group"),
            ("place", "检查场所", "Place", "group"),
            ("checks", "检查项目", "Checks", "list"),
            ("peopleChecked", "核查人数", "People checked", "number"),
            ("hazards", "隐患", "Hazards", "list"),
            ("publicity", "安全宣传", "Safety publicity", "list"),
            ("outcome", "检查结论", "Outcome", "group"),
            (
                "attachments",
                "照片及材料",
                "Photos and material",
                "attachments",
            ),
            (
                "volumeB",
                "B卷：重点人员",
                "Volume B: persons of interest",
                "group",
            ),
        ],
    ),
    (
        "Header",
        "基本信息",
        "Header",
        &[
            ("station", "派出所", "Station", "station"),
            ("status", "状态", "Status", "select"),
            ("inspectedAt", "检查时间", "Inspected at", "datetime"),
            ("assignedOfficers", "承办民警", "Assigned officers", "tags"),
        ],
    ),
    (
        "Campaign",
        "专项行动",
        "Campaign",
        &[
            ("name", "行动名称", "Name", "text"),
            ("from", "开始日期", "From", "date"),
            ("to", "结束日期", "To", "date"),
            ("bureau", "组织单位", "Bureau", "text"),
        ],
    ),
    (
        "Team",
        "检查组",
        "Team",
        &[
            ("name", "组名", "Name", "text"),
            ("members", "组员", "Members", "list"),
        ],
    ),
    (
        "TeamMember",
        "组员",
        "Member",
        &[
            ("id", "编号", "Id", "hidden"),
            ("name", "姓名", "Name", "text"),
            ("role", "身份", "Role", "select"),
            ("badge", "警号", "Badge number", "text"),
        ],
    ),
    (
        "Place",
        "检查场所",
        "Place",
        &[
            ("name", "场所名称", "Name", "text"),
            ("type", "场所类型", "Type", "select"),
            ("address", "地址", "Address", "text"),
            ("gps", "定位", "GPS position", "gps"),
            ("licenceNumbers", "证照号码", "Licence numbers", "tags"),
        ],
    ),
    (
        "Gps",
        "定位",
        "GPS position",
        &[
            ("lat", "纬度", "Latitude", "number"),
            ("lon", "经度", "Longitude", "number"),
        ],
    ),
    (
        "Check",
        "检查项目",
        "Check",
        &[
            ("id", "编号", "Id", "hidden"),
            ("item", "项目", "Item", "select"),
            ("result", "结果", "Result", "select"),
            ("note", "说明", "Note", "narrative"),
        ],
    ),
    (
        "Hazard",
        "隐患",
        "Hazard",
        &[
            ("id", "编号", "Id", "hidden"),
            ("category", "隐患类别", "Category", "select"),
            ("description", "隐患描述", "Description", "narrative"),
            ("severity", "严重程度", "Severity", "select"),
            ("deadline", "整改期限", "Rectification deadline", "date"),
            ("responsible", "整改责任人", "Responsible person", "text"),
            ("status", "整改情况", "Status", "select"),
            ("reinspectedOn", "复查日期", "Re-inspected on", "date"),
            (
                "reinspectionResult",
                "复查结果",
                "Re-inspection result",
                "select",
            ),
        ],
    ),
    (
        "Publicity",
        "安全宣传",
        "Safety publicity",
        &[
            ("id", "编号", "Id", "hidden"),
            ("kind", "宣传方式", "How", "select"),
            ("copies", "发放资料（份）", "Copies handed out", "number"),
            ("audience", "受教育人数", "People reached", "number"),
            ("note", "宣传内容", "What was said", "narrative"),
        ],
    ),
    (
        "Outcome",
        "检查结论",
        "Outcome",
        &[
            ("result", "结论", "Result", "select"),
            ("note", "说明", "Note", "narrative"),
            ("referralTarget", "移交单位", "Referred to", "select"),
        ],
    ),
    (
        "Attachment",
        "附件",
        "Attachment",
        &[
            ("id", "编号", "Id", "hidden"),
            ("sha256", "SHA-256摘要", "SHA-256", "hidden"),
            ("mediaType", "类型", "Type", "hidden"),
            ("size", "大小（字节）", "Size (bytes)", "hidden"),
            ("caption", "说明", "Caption", "text"),
            ("takenAt", "拍摄时间", "Taken at", "datetime"),
            ("by", "上传人", "Attached by", "text"),
        ],
    ),
    (
        "VolumeB",
        "B卷：重点人员",
        "Volume B: persons of interest",
        &[("persons", "重点人员", "Persons of interest", "list")],
    ),
    (
        "PersonOfInterest",
        "重点人员",
        "Person of interest",
        &[
            ("id", "编号", "Id", "hidden"),
            ("name", "姓名", "Name", "text"),
            ("sex", "性别", "Sex", "select"),
            ("idNumber", "身份证号", "ID number", "id-number"),
            ("reason", "类别", "Reason", "select"),
            ("note", "处置情况", "What was done", "textarea"),
        ],
    ),
];
