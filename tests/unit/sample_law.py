# ruff: noqa: E501 - the text is kept line for line as a law is written
"""A sample law in the shape of Vietnamese legal texts (Chương / Điều / Khoản / Điểm), for the chunking tests."""

LAW = """\
QUỐC HỘI
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Luật số: 99/2024/QH15

LUẬT
QUẢN LÝ THƯ VIỆN CÔNG CỘNG

Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;
Quốc hội ban hành Luật Quản lý thư viện công cộng.

Chương I
NHỮNG QUY ĐỊNH CHUNG

Điều 1. Phạm vi điều chỉnh
Luật này quy định về tổ chức, hoạt động của thư viện công cộng; quyền, nghĩa vụ của người sử dụng thư viện và trách nhiệm của cơ quan, tổ chức, cá nhân có liên quan.

Điều 2. Giải thích từ ngữ
Trong Luật này, các từ ngữ dưới đây được hiểu như sau:
1. Thư viện công cộng là thư viện do Nhà nước thành lập, phục vụ mọi tầng lớp Nhân dân.
2. Tài nguyên thông tin là tài liệu được thu thập, xử lý, lưu giữ trong thư viện, bao gồm:
a) Tài liệu in, tài liệu viết tay;
b) Tài liệu điện tử, tài liệu số;
đ) Tài liệu đặc biệt khác theo quy định tại Điều 9 của Luật này.
3. Người sử dụng thư viện là cá nhân, tổ chức sử dụng tài nguyên thông tin và dịch vụ thư viện.

Điều 3. Nguyên tắc hoạt động thư viện
Hoạt động thư viện phải tuân thủ quy định tại Điều 1 và Điều 2 của Luật này, bảo đảm quyền tiếp cận thông tin của người sử dụng theo quy định tại
Điều 12 của Luật này.

CHƯƠNG II
TỔ CHỨC VÀ HOẠT ĐỘNG CỦA THƯ VIỆN

Mục 1
THÀNH LẬP THƯ VIỆN

Điều 4. Điều kiện thành lập thư viện
1. Có tài nguyên thông tin phù hợp với loại hình thư viện, tối thiểu 2.000 bản sách.
2. Có địa điểm, cơ sở vật chất bảo đảm an toàn cho người sử dụng và tài nguyên thông tin.
3. Có người làm công tác thư viện có trình độ chuyên môn phù hợp.

Điều 5. Hồ sơ, thủ tục thành lập thư viện
1. Hồ sơ đề nghị thành lập thư viện gồm văn bản đề nghị, đề án thành lập và giấy tờ chứng minh điều kiện quy định tại Điều 4 của Luật này.
2. Trong thời hạn 15 ngày kể từ ngày nhận đủ hồ sơ hợp lệ, cơ quan có thẩm quyền phải xem xét, quyết định; trường hợp từ chối thì phải trả lời bằng văn bản và nêu rõ lý do.
3. Chương trình phát triển văn hóa đọc của địa phương phải bảo đảm kinh phí cho việc thành lập thư viện mới ở vùng khó khăn.

Mục 2. HOẠT ĐỘNG THƯ VIỆN

Điều 6. Quyền của người sử dụng thư viện
1. Được sử dụng tài nguyên thông tin và dịch vụ thư viện miễn phí, trừ dịch vụ sao chụp tài liệu, dịch vụ tra cứu chuyên sâu và dịch vụ mượn tài liệu về nhà đối với tài liệu quý hiếm.
2. Được hướng dẫn về cách sử dụng thư viện, cách tra cứu tài nguyên thông tin, cách khai thác cơ sở dữ liệu và cách sử dụng trang thiết bị của thư viện.
3. Người khuyết tật, người cao tuổi, trẻ em và người dân tộc thiểu số được ưu tiên sử dụng các dịch vụ thư viện sau đây:
a) Dịch vụ đọc tài liệu tại chỗ có trang thiết bị hỗ trợ phù hợp với từng loại khuyết tật;
b) Dịch vụ mượn tài liệu về nhà, kể cả tài liệu chữ nổi, sách nói và tài liệu điện tử có định dạng dễ tiếp cận;
c) Dịch vụ thư viện lưu động tại xã, thôn, bản ở vùng có điều kiện kinh tế - xã hội đặc biệt khó khăn;
d) Dịch vụ hướng dẫn sử dụng thư viện bằng tiếng dân tộc thiểu số tại địa phương có đông đồng bào dân tộc thiểu số.
4. Được đề nghị thư viện bổ sung tài nguyên thông tin phù hợp với nhu cầu học tập, nghiên cứu và giải trí của mình.

Điều 6a. Nghĩa vụ của người sử dụng thư viện
Người sử dụng thư viện có nghĩa vụ chấp hành nội quy thư viện, bảo quản tài liệu và trang thiết bị; không được làm hư hỏng, đánh tráo hoặc chiếm đoạt tài liệu.

Chương III
ĐIỀU KHOẢN THI HÀNH

Điều 7. Hiệu lực thi hành
Luật này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2025.

Luật này đã được Quốc hội nước Cộng hòa xã hội chủ nghĩa Việt Nam khóa XV, kỳ họp thứ 8 thông qua ngày 30 tháng 11 năm 2024.
"""
