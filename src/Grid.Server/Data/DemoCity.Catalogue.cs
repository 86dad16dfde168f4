using Grid.Domain.Time;

namespace Grid.Server.Data;

// The fixed reference data of the demo city: where it lies, who fixes what, the category catalogue,
// the 2026 working calendar, and the words its cases are written in.
public static partial class DemoCity
{
    private const string DistrictCode = "320213";
    private const string DistrictName = "梁溪区";
    private const string TimeZoneId = "Asia/Shanghai";

    // The cell lattice: the north-west corner sits so that the demo cell covers 崇安寺 (31.5786 N, 120.3030 E).
    // 100 m is 0.001054° of longitude and 0.000902° of latitude at 31.58° N (WGS 84 ellipsoid).
    private const decimal WestLon = 120.2940m;
    private const decimal NorthLat = 31.5845m;
    private const decimal CellLon = 0.001054m;
    private const decimal CellLat = 0.000902m;

    private sealed record StreetDef(string Code, string Name, string[] Roads, CommunityDef[] Communities);

    /// <summary>A community is a rectangular block of cells on the district lattice (columns west to east, rows north to south).</summary>
    private sealed record CommunityDef(string Suffix, string Name, int Col, int Row, int Cols, int Rows);

    // Three streets side by side: 崇安寺 in the west and centre, 广益 in the east, 扬名 along the south.
    // All communities are 4 rows high, so patrollers can walk vertical pairs of cells.
    private static readonly StreetDef[] StreetDefs =
    [
        new("320213001", "崇安寺街道",
            ["人民中路", "中山路", "解放北路", "学前街", "崇宁路", "县前东街", "新生路", "后西溪", "公园路", "图书馆路", "大成巷", "健康路"],
            [
                new("001", "东河社区", 7, 4, 5, 4),
                new("002", "学前社区", 0, 0, 7, 4),
                new("003", "新生社区", 7, 0, 5, 4),
                new("004", "五河社区", 0, 4, 7, 4),
            ]),
        new("320213006", "广益街道",
            ["广益路", "广石路", "广南路", "锡沪中路", "通江大道", "广瑞路", "尤渡路"],
            [
                new("001", "广丰社区", 12, 0, 3, 4),
                new("002", "广石社区", 15, 0, 3, 4),
                new("003", "尤渡社区", 12, 4, 3, 4),
                new("004", "广益佳苑社区", 15, 4, 3, 4),
            ]),
        new("320213012", "扬名街道",
            ["清扬路", "太湖大道", "南湖大道", "槐古路", "塘南路", "扬名路", "五星路"],
            [
                new("001", "扬名社区", 3, 8, 5, 4),
                new("002", "清扬社区", 8, 8, 5, 4),
                new("003", "槐古社区", 13, 8, 5, 4),
            ]),
    ];

    private sealed record UnitDef(string Id, string NameZh, string NameEn, string Phone);

    private static readonly UnitDef[] Units =
    [
        new("sanitation", "梁溪区环境卫生管理处", "Liangxi Sanitation Department", "0510-82723501"),
        new("roads", "梁溪区市政设施养护管理处", "Liangxi Roads and Municipal Facilities Maintenance Office", "0510-82723502"),
        new("lighting", "无锡市路灯管理所", "Wuxi Street Lighting Office", "0510-82723503"),
        new("water", "无锡市水务集团梁溪供排水分公司", "Wuxi Water Group, Liangxi Water Supply and Drainage Branch", "0510-82723504"),
        new("landscaping", "梁溪区园林绿化管理所", "Liangxi Parks and Landscaping Office", "0510-82723505"),
        new("urban_mgmt", "梁溪区城市管理行政执法大队", "Liangxi Urban Management Enforcement Brigade (城管执法)", "0510-82723506"),
        new("police", "无锡市公安局梁溪分局", "Wuxi Public Security Bureau, Liangxi Branch", "0510-82723507"),
        new("housing", "梁溪区住房和城乡建设局", "Liangxi Housing and Urban-Rural Development Bureau", "0510-82723508"),
        new("environment", "无锡市梁溪生态环境局", "Liangxi Ecology and Environment Bureau", "0510-82723509"),
        new("telecom", "中国电信无锡分公司梁溪营业部", "China Telecom Wuxi, Liangxi Office", "0510-82723510"),
        new("power", "国网无锡供电公司梁溪供电中心", "State Grid Wuxi, Liangxi Power Supply Centre", "0510-82723511"),
    ];

    /// <summary>
    /// One 小类 of the catalogue. <paramref name="Problems"/> are description templates ({0} = the spot);
    /// <paramref name="Fix"/> is what the handler writes back; <paramref name="Weight"/> is how often it is reported.
    /// </summary>
    private sealed record CategoryDef(
        string Code, string MajorZh, string MajorEn, string NameZh, string NameEn,
        int Limit, LimitUnit Unit, int UrgentLimit, LimitUnit UrgentUnit, string UnitId, string HandlerRole, bool SelfHandle,
        string RegistrationCondition, string ClosingCondition, int Weight, string[] Problems, string Fix)
    {
        public string Kind => Code[0] == 'C' ? "component" : "event";
        public TimeLimit TimeLimit(bool urgent) => urgent ? new(UrgentLimit, UrgentUnit) : new(Limit, Unit);
    }

    private const LimitUnit H = LimitUnit.WorkingHours;
    private const LimitUnit D = LimitUnit.WorkingDays;
    private const string Worker = "grid_worker";
    private const string Head = "grid_head";

    private const string PublicZh = "公用设施", PublicEn = "Public facilities";
    private const string RoadsZh = "道路交通", RoadsEn = "Roads and traffic";
    private const string CleanZh = "市容环境", CleanEn = "City appearance and environment";
    private const string GreenZh = "园林绿化", GreenEn = "Parks and greenery";
    private const string HouseZh = "房屋土地", HouseEn = "Buildings and land";
    private const string OtherZh = "其他设施", OtherEn = "Other facilities";
    private const string AdsZh = "宣传广告", AdsEn = "Advertising and publicity";
    private const string BuildZh = "施工管理", BuildEn = "Construction management";
    private const string EmergZh = "突发事件", EmergEn = "Emergencies";
    private const string OrderZh = "街面秩序", OrderEn = "Street order";

    private static readonly CategoryDef[] Categories =
    [
        // 部件 components
        new("C0101", PublicZh, PublicEn, "上水井盖", "Water supply manhole cover", 2, D, 2, H, "water", Worker, false,
            "井盖破损、缺失、松动或移位", "井盖完好、安装平稳，与路面平齐", 3,
            ["{0}上水井盖破损，边缘碎裂，行人容易踩空", "{0}自来水井盖松动，车辆经过时响声很大", "{0}上水井盖缺失，井口敞开，存在安全隐患"],
            "已更换新井盖并加固井座"),
        new("C0102", PublicZh, PublicEn, "污水井盖", "Sewage manhole cover", 2, D, 2, H, "water", Worker, false,
            "井盖破损、缺失、松动或移位，或污水外溢", "井盖完好、安装平稳，无污水外溢", 3,
            ["{0}污水井盖破裂，有异味散出", "{0}污水井盖下沉，与路面高差明显", "{0}污水井冒溢，污水流到人行道上"],
            "已更换污水井盖并疏通管道"),
        new("C0103", PublicZh, PublicEn, "雨水井盖", "Storm drain cover", 2, D, 2, H, "roads", Worker, false,
            "雨水篦子破损、缺失或堵塞", "雨水篦子完好，排水通畅", 3,
            ["{0}雨水篦子断裂，一根铁条已脱落", "{0}雨水井盖缺失，路边留下一个深坑", "{0}雨水口被落叶和垃圾堵塞，下雨积水"],
            "已更换雨水篦子并清掏雨水口"),
        new("C0104", PublicZh, PublicEn, "电力井盖", "Power manhole cover", 3, D, 4, H, "power", Worker, false,
            "电力井盖破损、缺失或移位", "电力井盖完好、安装平稳", 1,
            ["{0}电力井盖破损，井盖上有明显裂缝", "{0}电力井盖被车辆压翻移位"],
            "已由供电公司更换电力井盖"),
        new("C0105", PublicZh, PublicEn, "通信井盖", "Telecom manhole cover", 3, D, 4, H, "telecom", Worker, false,
            "通信井盖破损、缺失或移位", "通信井盖完好、安装平稳", 1,
            ["{0}通信井盖破损下陷", "{0}通信井盖缺角，周边路面松动"],
            "已由运营商更换通信井盖"),
        new("C0106", PublicZh, PublicEn, "消防栓", "Fire hydrant", 3, D, 4, H, "water", Worker, false,
            "消防栓损坏、漏水、被圈占或遮挡", "消防栓完好可用，周边无遮挡", 1,
            ["{0}消防栓被车辆撞歪，底部漏水", "{0}消防栓被店家堆放的杂物遮挡"],
            "已修复消防栓并清除周边杂物"),
        new("C0107", PublicZh, PublicEn, "架空线缆", "Overhead cables", 5, D, 1, D, "telecom", Worker, false,
            "线缆垂落、私拉乱接或缠绕树木", "线缆规整、固定牢靠，无垂落", 2,
            ["{0}通信线缆垂落到人行道上方，行人易被绊到", "{0}架空线缆杂乱，私拉乱接严重"],
            "已整理并固定线缆，拆除废弃线"),
        new("C0201", RoadsZh, RoadsEn, "路灯", "Street lamp", 3, D, 1, D, "lighting", Worker, false,
            "路灯不亮、灯杆倾斜或灯具破损", "路灯正常亮灯，灯杆和灯具完好", 5,
            ["{0}路灯连续几晚不亮，晚上路面很黑", "{0}路灯灯罩脱落，悬挂在灯杆上", "{0}路灯杆被车撞后倾斜"],
            "已更换灯具，夜间复查亮灯正常"),
        new("C0202", RoadsZh, RoadsEn, "交通信号灯", "Traffic signal", 1, D, 2, H, "police", Worker, false,
            "信号灯不亮、故障或倒计时显示异常", "信号灯工作正常", 2,
            ["{0}路口人行信号灯不亮", "{0}交通信号灯倒计时显示异常，红绿灯同时亮"],
            "已由交警部门修复信号灯"),
        new("C0203", RoadsZh, RoadsEn, "道路护栏", "Road guardrail", 3, D, 4, H, "roads", Worker, false,
            "护栏破损、倾倒或缺失", "护栏完好、连续、安装牢固", 2,
            ["{0}道路中央护栏被撞倒三节", "{0}人行道护栏松动倾斜"],
            "已扶正并更换损坏护栏"),
        new("C0204", RoadsZh, RoadsEn, "人行道板", "Sidewalk paving", 5, D, 1, D, "roads", Worker, false,
            "人行道板松动、破损、缺失或塌陷", "人行道平整，无松动破损", 3,
            ["{0}人行道板松动，踩上去会溅水", "{0}人行道板破碎塌陷，面积约两平方米", "{0}盲道砖缺失几块"],
            "已重新铺设人行道板"),
        new("C0205", RoadsZh, RoadsEn, "交通标志牌", "Traffic sign", 5, D, 1, D, "police", Worker, false,
            "标志牌倾斜、破损、缺失或被遮挡", "标志牌完好、清晰可见", 1,
            ["{0}限速标志牌被树枝遮挡", "{0}交通标志牌歪倒在路边"],
            "已扶正标志牌并修剪遮挡树枝"),
        new("C0206", RoadsZh, RoadsEn, "公交站亭", "Bus shelter", 5, D, 1, D, "roads", Worker, false,
            "站亭玻璃破损、座椅损坏或顶棚漏雨", "站亭完好、整洁", 1,
            ["{0}公交站亭广告灯箱玻璃破碎", "{0}公交站亭座椅损坏"],
            "已修复站亭设施"),
        new("C0301", CleanZh, CleanEn, "垃圾箱", "Litter bin", 2, D, 4, H, "sanitation", Worker, false,
            "垃圾箱破损、缺失或倾倒", "垃圾箱完好、摆放到位", 3,
            ["{0}分类垃圾箱盖子损坏", "{0}垃圾箱被撞翻，垃圾散落一地"],
            "已更换垃圾箱并清理周边"),
        new("C0302", CleanZh, CleanEn, "公共厕所", "Public toilet", 2, D, 4, H, "sanitation", Worker, false,
            "公厕设施损坏、堵塞、无水或保洁不到位", "公厕设施完好、干净无异味", 2,
            ["{0}公共厕所冲水设备损坏，异味较重", "{0}公厕洗手池堵塞，地面积水"],
            "已维修公厕设施并加强保洁"),
        new("C0401", GreenZh, GreenEn, "行道树", "Street tree", 3, D, 4, H, "landscaping", Worker, false,
            "树木倾斜、枯死、断枝悬挂或影响通行", "树木扶正或补植，断枝已清除", 2,
            ["{0}行道树断枝悬挂在人行道上方", "{0}行道树倾斜严重，有倒伏风险", "{0}行道树枯死，树枝干脆易断"],
            "已修剪断枝并扶正树木"),
        new("C0402", GreenZh, GreenEn, "绿地", "Green space", 5, D, 1, D, "landscaping", Worker, false,
            "绿地被踩踏、毁绿种菜或黄土裸露", "绿地完好，植被已恢复", 2,
            ["{0}绿化带被居民开垦种菜", "{0}绿地被踩出一条小路，黄土裸露"],
            "已清除菜地并补种绿植"),
        new("C0403", GreenZh, GreenEn, "花坛", "Flower bed", 5, D, 1, D, "landscaping", Worker, false,
            "花坛破损或花草枯死", "花坛完好，花草补种", 1,
            ["{0}花坛边石破损", "{0}花坛花草大面积枯死"],
            "已修补花坛并补种花草"),
        new("C0501", HouseZh, HouseEn, "危房", "Dangerous building", 10, D, 1, D, "housing", Head, false,
            "房屋墙体开裂、外立面脱落或有倒塌危险", "危险已排除，房屋已加固或封闭", 1,
            ["{0}老房子外墙开裂，墙皮大块脱落", "{0}沿街房屋雨棚松动，随时可能掉落"],
            "已设置警戒并完成加固"),
        new("C0601", OtherZh, OtherEn, "健身设施", "Fitness equipment", 5, D, 1, D, "landscaping", Worker, false,
            "健身器材损坏、松动或存在安全隐患", "健身器材完好、安装牢固", 1,
            ["{0}小区健身器材转盘脱落", "{0}健身路径单杠松动"],
            "已维修健身器材"),
        new("C0602", OtherZh, OtherEn, "监控电子眼", "Surveillance camera", 5, D, 1, D, "police", Worker, false,
            "监控设备损坏、偏转或被遮挡", "监控设备工作正常", 1,
            ["{0}监控摄像头被树枝遮挡", "{0}监控杆上的摄像头偏转朝向天空"],
            "已调整监控设备"),

        // 事件 events
        new("E0101", CleanZh, CleanEn, "违法搭建", "Illegal structure", 15, D, 3, D, "urban_mgmt", Head, false,
            "未经批准搭建建筑物、构筑物", "违法建筑已拆除或依法处理完毕", 2,
            ["{0}屋顶正在违规加盖彩钢板房", "{0}一楼住户私自扩建院墙占用公共绿地", "{0}沿街商铺违规搭建雨棚"],
            "违建已拆除，现场恢复原状"),
        new("E0102", CleanZh, CleanEn, "暴露垃圾", "Exposed garbage", 1, D, 2, H, "sanitation", Worker, true,
            "道路、绿地或公共场所有暴露垃圾", "暴露垃圾已清除，现场整洁", 10,
            ["{0}有一堆生活垃圾没人清理", "{0}垃圾袋堆在路边，已有异味", "{0}绿化带内丢弃了大量塑料袋和饭盒"],
            "已清运垃圾，现场已保洁"),
        new("E0103", CleanZh, CleanEn, "积存垃圾渣土", "Piled waste", 4, D, 1, D, "sanitation", Worker, false,
            "积存的生活垃圾、建筑垃圾或渣土", "积存垃圾渣土已清运完毕", 4,
            ["{0}装修垃圾堆放多日无人清运", "{0}空地上积存建筑渣土约十方", "{0}废旧家具和装修垃圾堆在楼道口"],
            "已组织车辆清运渣土"),
        new("E0104", CleanZh, CleanEn, "道路不洁", "Dirty road", 5, H, 2, H, "sanitation", Worker, true,
            "路面有明显污渍、泥浆或散落物", "路面清扫干净，无污渍", 8,
            ["{0}路面有大片油污", "{0}路面泥浆很多，车辆经过溅起泥水", "{0}人行道上满是落叶和纸屑"],
            "已清扫冲洗路面"),
        new("E0105", CleanZh, CleanEn, "水域不洁", "Dirty waterway", 2, D, 4, H, "environment", Worker, false,
            "河道、水面有漂浮物或异色异味", "水面清洁，无漂浮物", 1,
            ["{0}旁的河道水面漂浮大量垃圾", "{0}附近河水发黑发臭"],
            "已打捞漂浮物并排查排口"),
        new("E0106", CleanZh, CleanEn, "乱堆物堆料", "Piled materials", 2, D, 4, H, "urban_mgmt", Worker, false,
            "道路或公共场所乱堆物品、材料", "堆物已清除，通道畅通", 3,
            ["{0}店家在人行道上堆放货物", "{0}楼道口堆满杂物，影响消防通道"],
            "已督促当事人清除堆物"),
        new("E0107", CleanZh, CleanEn, "餐饮油烟", "Restaurant fumes", 5, D, 1, D, "environment", Worker, false,
            "餐饮店油烟直排或净化设施未使用", "已安装并使用油烟净化设施", 1,
            ["{0}饭店油烟直排，楼上居民意见很大", "{0}烧烤店油烟熏到居民窗户"],
            "已责令安装油烟净化器"),
        new("E0201", AdsZh, AdsEn, "违规户外广告", "Unauthorized outdoor advertising", 5, D, 1, D, "urban_mgmt", Worker, false,
            "未经审批设置户外广告或广告设施破损", "违规广告已拆除", 2,
            ["{0}商铺外墙违规设置大型广告牌", "{0}楼顶广告牌未经审批"],
            "违规广告已拆除"),
        new("E0202", AdsZh, AdsEn, "非法小广告", "Illegal small ads", 1, D, 4, H, "sanitation", Worker, true,
            "墙面、电杆、地面张贴涂写小广告", "小广告已清除", 7,
            ["{0}电线杆上贴满了小广告", "{0}墙面被喷涂了办证电话", "{0}地面被印了大量小广告"],
            "已铲除小广告"),
        new("E0203", AdsZh, AdsEn, "广告牌匾破损", "Damaged signboard", 2, D, 2, H, "urban_mgmt", Worker, false,
            "店招牌匾破损、松动或有坠落危险", "牌匾已修复或拆除，无坠落风险", 2,
            ["{0}店招一角松动，大风天摇晃", "{0}店铺招牌字体脱落"],
            "已督促店家加固招牌"),
        new("E0204", AdsZh, AdsEn, "横幅标语", "Unauthorized banners", 1, D, 4, H, "urban_mgmt", Worker, true,
            "未经审批悬挂横幅标语", "横幅已拆除", 2,
            ["{0}树上挂了商业宣传横幅", "{0}过街横幅破损下垂"],
            "已拆除横幅"),
        new("E0301", BuildZh, BuildEn, "施工扰民", "Construction noise", 2, D, 4, H, "environment", Worker, false,
            "夜间或禁止时段施工产生噪声", "施工时段已整改，无扰民", 2,
            ["{0}工地夜间施工，噪声很大影响休息", "{0}工地清晨六点就开始打桩"],
            "已责令工地调整施工时间"),
        new("E0302", BuildZh, BuildEn, "施工占道", "Construction occupying road", 3, D, 4, H, "urban_mgmt", Worker, false,
            "施工围挡超范围占用道路或未设警示", "占道已清理或审批手续齐全", 2,
            ["{0}施工围挡占用半幅车道，没有警示标志", "{0}管道施工完毕后围挡一直未撤"],
            "已督促施工单位撤除围挡"),
        new("E0303", BuildZh, BuildEn, "渣土车抛洒", "Muck truck spillage", 1, D, 2, H, "urban_mgmt", Worker, false,
            "运输车辆抛洒滴漏渣土", "路面已清理，抛洒车辆已查处", 2,
            ["{0}渣土车沿路抛洒泥土", "{0}路面有大量渣土车带出的泥块"],
            "已清理路面并查处运输车辆"),
        new("E0304", BuildZh, BuildEn, "工地扬尘", "Construction dust", 2, D, 4, H, "environment", Worker, false,
            "工地未覆盖裸土、未洒水降尘", "裸土已覆盖，降尘措施落实", 1,
            ["{0}工地裸土未覆盖，刮风扬尘严重", "{0}工地出口没有冲洗设施"],
            "已督促工地覆盖裸土"),
        new("E0401", EmergZh, EmergEn, "路面塌陷", "Road collapse", 2, H, 1, H, "roads", Worker, false,
            "路面塌陷、坑洞影响通行安全", "塌陷已修复，路面平整", 1,
            ["{0}路面突然塌陷出一个大坑", "{0}路面出现坑洞，电动车经过很危险"],
            "已设置围挡并完成路面修补"),
        new("E0402", EmergZh, EmergEn, "供水管破裂", "Burst water main", 2, H, 1, H, "water", Worker, false,
            "供水管道破裂漏水", "管道已抢修，恢复供水", 1,
            ["{0}地下水管爆裂，水往外冒", "{0}路面持续渗水，疑似水管破裂"],
            "已抢修管道并恢复供水"),
        new("E0403", EmergZh, EmergEn, "道路积水", "Road flooding", 4, H, 1, H, "water", Worker, false,
            "降雨后道路积水影响通行", "积水已排除", 2,
            ["{0}下雨后积水严重，车辆无法通行", "{0}路段积水没过脚踝"],
            "已清掏雨水口，积水已排除"),
        new("E0404", EmergZh, EmergEn, "树木倒伏", "Fallen tree", 2, H, 1, H, "landscaping", Worker, false,
            "树木倒伏、断枝阻碍交通", "倒伏树木已清理，道路恢复通行", 1,
            ["{0}大风把行道树吹倒，挡住了车道", "{0}粗大树枝折断掉在路中间"],
            "已清理倒伏树木"),
        new("E0501", OrderZh, OrderEn, "占道经营", "Street vending", 1, D, 2, H, "urban_mgmt", Worker, false,
            "在道路或公共场所摆摊经营", "摊点已清除，通道畅通", 8,
            ["{0}有流动摊贩占道卖水果", "{0}早点摊占用人行道经营", "{0}夜市烧烤摊占道经营"],
            "已劝离摊贩"),
        new("E0502", OrderZh, OrderEn, "店外经营", "Business outside shop", 2, D, 4, H, "urban_mgmt", Worker, false,
            "商铺超出门窗外墙经营", "店外经营已整改", 5,
            ["{0}餐馆在店外摆桌经营", "{0}五金店把货物摆到店门外人行道上"],
            "已督促店家退店经营"),
        new("E0503", OrderZh, OrderEn, "机动车乱停放", "Illegal car parking", 4, H, 2, H, "police", Worker, false,
            "机动车违规停放占用人行道、消防通道", "违停车辆已驶离或依法处理", 5,
            ["{0}机动车占用人行道停放", "{0}消防通道被私家车堵住", "{0}车辆长期停放占用盲道"],
            "已通知交警处理违停车辆"),
        new("E0504", OrderZh, OrderEn, "非机动车乱停放", "Disorderly bike parking", 1, D, 4, H, "urban_mgmt", Worker, true,
            "非机动车、共享单车乱停乱放", "车辆已摆放整齐", 6,
            ["{0}共享单车堆放杂乱，堵塞人行道", "{0}电动车乱停在盲道上"],
            "已整理单车，恢复通行"),
        new("E0505", OrderZh, OrderEn, "流浪乞讨", "Vagrancy and begging", 1, D, 2, H, "police", Worker, false,
            "流浪乞讨人员影响公共秩序", "已劝导或救助安置", 1,
            ["{0}有流浪人员长期露宿", "{0}有人沿街乞讨"],
            "已联系救助站安置"),
    ];

    /// <summary>Categories a monitoring system can raise (manhole-cover tilt sensors, lamp monitoring, water-level gauges).</summary>
    private static readonly string[] SensorCategories = ["C0101", "C0102", "C0103", "C0104", "C0201", "E0402", "E0403"];

    /// <summary>Categories a video patrol can see.</summary>
    private static readonly string[] VideoCategories =
        ["E0102", "E0103", "E0106", "E0202", "E0204", "E0303", "E0501", "E0502", "E0503", "E0504", "C0203", "E0404"];

    /// <summary>The working calendar of 2026 (State Council notice on the 2026 public holidays): holidays and 调休 workdays.</summary>
    private static readonly (string Name, DateOnly From, DateOnly To, DateOnly[] MakeUpDays)[] Holidays2026 =
    [
        ("元旦", new(2026, 1, 1), new(2026, 1, 3), [new(2026, 1, 4)]),
        ("春节", new(2026, 2, 15), new(2026, 2, 23), [new(2026, 2, 14), new(2026, 2, 28)]),
        ("清明节", new(2026, 4, 4), new(2026, 4, 6), []),
        ("劳动节", new(2026, 5, 1), new(2026, 5, 5), [new(2026, 5, 9)]),
        ("端午节", new(2026, 6, 19), new(2026, 6, 21), []),
        ("中秋节", new(2026, 9, 25), new(2026, 9, 27), []),
        ("国庆节", new(2026, 10, 1), new(2026, 10, 7), [new(2026, 9, 20), new(2026, 10, 10)]),
    ];

    private static readonly (TimeOnly Start, TimeOnly End)[] Periods = [(new(8, 30), new(12, 0)), (new(13, 30), new(18, 0))];
    private static readonly int[] RestWeekdays = [0, 6];

    private static IEnumerable<(DateOnly Day, string Kind, string Note)> CalendarDays() =>
        Holidays2026.SelectMany(h =>
            Enumerable.Range(0, h.To.DayNumber - h.From.DayNumber + 1)
                .Select(i => (h.From.AddDays(i), "holiday", h.Name))
                .Concat(h.MakeUpDays.Select(d => (d, "workday", $"{h.Name}调休上班"))))
            .OrderBy(d => d.Item1);

    /// <summary>The calendar the seeded deadlines are computed on: the same one the server loads from the seeded tables.</summary>
    private static WorkingCalendar Calendar()
    {
        var days = CalendarDays().ToList();
        return new WorkingCalendar(
            TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId),
            [.. Periods.Select(p => new WorkingPeriod(p.Start, p.End))],
            RestWeekdays.Select(d => (DayOfWeek)d).ToHashSet(),
            days.Where(d => d.Kind == "holiday").Select(d => d.Day).ToHashSet(),
            days.Where(d => d.Kind == "workday").Select(d => d.Day).ToHashSet());
    }

    private static readonly string[] Surnames =
    [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "胡", "钱", "顾", "华", "秦",
        "陆", "沈", "蒋", "许", "高", "马", "郭", "何", "林", "罗", "郑", "谢", "宋", "唐", "韩", "曹", "冯", "邓",
        "袁", "潘", "程", "魏", "丁", "任", "姚", "汪", "范", "金", "石", "邵", "尤", "浦", "过", "荣", "缪", "薛",
    ];

    private static readonly string[] GivenChars =
    [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀",
        "霞", "平", "刚", "英", "华", "玉", "兰", "建", "国", "红", "文", "斌", "辉", "鹏", "宇", "浩", "婷", "雪",
        "琳", "晨", "欣", "怡", "俊", "峰", "志", "海", "丹", "波", "凯", "慧", "颖", "佳", "蕾", "晓", "亮", "健",
        "燕", "萍", "林", "春", "梅", "云", "飞", "新", "龙", "成", "宏", "倩", "嘉", "瑞", "婧", "锋", "荣", "良",
    ];

    private static readonly string[] Spots =
        ["门口", "东侧人行道", "西侧人行道", "对面", "附近", "旁", "北侧", "南侧", "店铺前", "小区门口", "公交站旁", "路口"];

    private static readonly string[] CancelReasons =
    [
        "重复上报，同一问题已有案件在办",
        "经核实不属于城市管理范畴，已告知来电人向相关部门反映",
        "现场核实未发现所述问题",
        "上报信息不全，无法定位，联系上报人未果",
        "属小区物业管理范围，已转物业处理",
    ];

    private static readonly string[] ReturnReasons =
    [
        "非本单位职责范围，请重新派遣至产权单位",
        "地址有误，现场未找到问题点位，请核实后重新派遣",
        "该设施属小区物业自管，非市政设施",
        "问题类别有误，请调整类别后重新派遣",
    ];

    private static readonly string[] ExtendReasons =
    [
        "需等待配件采购到位，申请延期",
        "涉及多个部门协调，申请延期",
        "连续降雨无法施工，申请延期",
        "当事人不配合整改，需依法走程序，申请延期",
    ];

    private static readonly string[] HoldReasons =
    [
        "需纳入年度市政改造计划，申请挂账",
        "产权单位不明，需区政府协调，申请挂账",
        "涉及历史遗留问题，需专项整治，申请挂账",
    ];

    private static readonly string[] ReworkReasons =
    [
        "现场核查问题未彻底解决，请返工",
        "处置后照片与现场不符，问题依旧存在",
        "整改不到位，现场仍有残留",
    ];

    private static readonly string[] ReopenReasons =
    [
        "同一位置问题再次出现，市民再次反映",
        "结案后问题复发，需重新处置",
    ];
}
