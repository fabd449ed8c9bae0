/** Tiếng Việt: the default language. Keys are shared with `en.ts` (its type is this object's). */
export const vi = {
  app: { title: 'Điểm danh thông minh', skip: 'Bỏ qua đến nội dung chính', language: 'Ngôn ngữ', signOut: 'Đăng xuất', signedInAs: 'Đang đăng nhập: {{name}}', nav: 'Điều hướng chính', notFound: 'Không tìm thấy trang này.', home: 'Về trang chính', loading: 'Đang tải…', retry: 'Thử lại', close: 'Đóng', cancel: 'Hủy', save: 'Lưu', date: 'Ngày', previousDay: 'Ngày trước', nextDay: 'Ngày sau', today: 'Hôm nay' },
  roles: { admin: 'Quản trị tỉnh', district: 'Phòng GD&ĐT', school: 'Ban giám hiệu', teacher: 'Giáo viên', parent: 'Phụ huynh' },
  nav: { board: 'Lớp của tôi', school: 'Trường', district: 'Phòng GD&ĐT', province: 'Toàn tỉnh', parent: 'Con tôi', admin: 'Quản trị' },
  errors: {
    generic: 'Đã có lỗi: {{message}}',
    network: 'Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.',
    notFound: 'Không tìm thấy, hoặc bạn không có quyền xem mục này.',
    forbidden: 'Bạn không có quyền làm việc này.',
    unavailable: 'Chức năng này chưa có trên máy chủ.',
    badLogin: 'Sai tên đăng nhập hoặc mật khẩu',
    tooMany: 'Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau một phút.',
    sessionEnded: 'Phiên đăng nhập đã hết. Vui lòng đăng nhập lại.',
  },
  login: { title: 'Đăng nhập', username: 'Tên đăng nhập', password: 'Mật khẩu', submit: 'Đăng nhập', busy: 'Đang đăng nhập…' },
  live: { live: 'Trực tiếp', connecting: 'Đang kết nối…', lost: 'Mất kết nối trực tiếp — đang thử lại…', refused: 'Không nhận được cập nhật trực tiếp' },
  status: { present: 'Có mặt', late: 'Đi muộn', absent: 'Vắng', excused: 'Có phép', pending: 'Chưa đến' },
  board: {
    title: 'Lớp {{name}}', chooseClass: 'Chọn lớp', noClasses: 'Bạn chưa được phân công lớp nào.', counters: 'Sĩ số hôm nay', total: 'Sĩ số',
    students: 'Học sinh', in: 'Vào', out: 'Ra', manual: 'Điểm danh tay', reason: 'Lý do', markPresent: 'Có mặt', markExcused: 'Có phép',
    markFor: 'Điểm danh tay: {{name}}', markRest: 'Điểm danh tất cả học sinh chưa đến ({{count}})', markRestButton: 'Tất cả học sinh chưa đến…',
    markRestTitle: 'Điểm danh {{count}} học sinh chưa đến', reasonHint: 'Ví dụ: quên thẻ; ốm, mẹ xin phép', reasonRequired: 'Hãy ghi lý do.',
    saved: 'Đã lưu: {{name}} — {{status}}', savedMany: 'Đã lưu {{count}} học sinh', history: 'Các ngày gần đây', historyOf: 'Các ngày gần đây của {{name}}', noHistory: 'Chưa có ngày nào được ghi.',
    actions: 'Thao tác', filter: 'Lọc theo trạng thái', all: 'Tất cả', newStudents: 'Danh sách lớp vừa thay đổi', by: 'bởi {{name}}', empty: 'Lớp chưa có học sinh.', futurePresent: 'Chỉ đánh dấu có mặt cho hôm nay hoặc ngày đã qua.',
  },
  school: {
    title: 'Trường {{name}}', classes: 'Các lớp', class: 'Lớp', enrolled: 'Sĩ số', feed: 'Lượt quẹt thẻ mới', feedEmpty: 'Chưa có lượt quẹt nào.', unknownCard: 'Thẻ chưa đăng ký {{card}}',
    devices: 'Thiết bị', gateway: 'Bộ thu', terminal: 'Đầu đọc', online: 'Trực tuyến', offline: 'Mất kết nối', lastSeen: 'Lần cuối', queue: 'Hàng đợi', noDevices: 'Chưa có thiết bị nào.',
    unknown: 'Thẻ lạ', unknownEmpty: 'Không có thẻ lạ.', enrol: 'Gán thẻ này', enrolTo: 'Gán thẻ {{card}} cho học sinh', student: 'Học sinh', enrolled_ok: 'Đã gán thẻ cho {{name}}', lostCard: 'thẻ đã báo mất của {{name}}',
    report: 'Báo cáo ngày', submit: 'Nộp báo cáo', submittedAt: 'Đã nộp lúc {{time}}', notSubmitted: 'Chưa nộp', revision: 'Lần sửa {{n}}', openBoard: 'Mở bảng lớp',
  },
  report: {
    title: 'Báo cáo điểm danh', school: 'Trường', district: 'Phòng GD&ĐT', enrolled: 'Sĩ số', rate: 'Tỷ lệ có mặt', submitted: 'Đã nộp', missing: 'Chưa nộp', amended: 'Đã sửa sau khi nộp', schools: 'Số trường',
    export: 'Tải xuống', chart: 'Tỷ lệ có mặt theo trường', chartDays: 'Tỷ lệ có mặt theo ngày', drill: 'Xem chi tiết {{name}}', total: 'Tổng', missingCount: '{{count}} trường chưa nộp', period: 'Giai đoạn', from: 'Từ ngày', to: 'Đến ngày', chronic: 'Vắng nhiều',
  },
  parent: {
    title: 'Con của tôi', noChildren: 'Tài khoản chưa được liên kết với học sinh nào.', today: 'Hôm nay', arrived: 'Đến trường lúc {{time}}', left: 'Ra về lúc {{time}}', notArrived: 'Chưa đến trường',
    calendar: 'Lịch điểm danh tháng {{month}}', messages: 'Tin nhắn đã gửi', noMessages: 'Chưa có tin nhắn nào.', channel: 'Kênh', sentAt: 'Thời gian',
    msgStatus: { pending: 'Đang chờ', sent: 'Đã gửi', delivered: 'Đã nhận', failed: 'Không gửi được', skipped: 'Không gửi' },
    prefs: 'Nhận thông báo', push: 'Thông báo trên trình duyệt này', pushOn: 'Đã bật thông báo trên trình duyệt này', pushUnsupported: 'Trình duyệt này không hỗ trợ thông báo đẩy.', pushDenied: 'Bạn đã chặn thông báo cho trang này.', prevMonth: 'Tháng trước', nextMonth: 'Tháng sau', consent: 'Đồng ý nhận thông báo',
  },
  admin: {
    title: 'Quản trị', import: 'Nhập dữ liệu', students: 'Học sinh & phụ huynh', cards: 'Thẻ', devices: 'Thiết bị', users: 'Người dùng', audit: 'Nhật ký',
    importKind: 'Loại dữ liệu', kinds: { districts: 'Phòng GD&ĐT', schools: 'Trường', students: 'Học sinh (kèm lớp, phụ huynh, thẻ)', cards: 'Thẻ' }, file: 'Tệp CSV hoặc XLSX',
    preview: 'Kiểm tra trước', apply: 'Nhập', previewOk: 'Tệp hợp lệ: {{rows}} dòng, sẽ tạo {{created}}, cập nhật {{updated}}, giữ nguyên {{unchanged}}.', applied: 'Đã nhập: {{rows}} dòng, tạo {{created}}, cập nhật {{updated}}, giữ nguyên {{unchanged}}.',
    rowErrors: '{{count}} lỗi — chưa có gì được ghi', row: 'Dòng', column: 'Cột', message: 'Lỗi', progress: 'Đã đọc {{rows}} dòng…',
    register: 'Đăng ký bộ thu', deviceName: 'Tên bộ thu', credentials: 'Thông tin đăng nhập của bộ thu (chỉ hiện một lần)', downloadConfig: 'Tải tệp cấu hình bộ thu', revoke: 'Thu hồi',
    newUser: 'Tạo người dùng', role: 'Vai trò', created: 'Đã tạo', schoolSel: 'Trường', classSel: 'Lớp', search: 'Tìm', assign: 'Gán thẻ', cardNo: 'Số thẻ', lost: 'Báo mất', replace: 'Thay thẻ', cardStatus: { active: 'Đang dùng', lost: 'Đã mất', replaced: 'Đã thay' },
    guardians: 'Phụ huynh', code: 'Mã định danh', action: 'Hành động', who: 'Người làm', when: 'Lúc', entity: 'Đối tượng', passwordHint: 'Ít nhất 12 ký tự',
  },
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Messages = Widen<typeof vi>;
