# Issue 12: a Stripe payment that does not match its order is held for staff review (finding 8),
# and each customer e-mail is logged on the order (one per message, a daily cap per address).
# Choices only: no change to the tables.
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0002_unpaid_holds'),
    ]

    operations = [
        migrations.AlterField(
            model_name='order',
            name='payment_status',
            field=models.CharField(choices=[('NOT_PAID', 'chưa thu tiền'), ('AWAITING', 'chờ thanh toán thẻ'), ('FAILED', 'thanh toán lỗi'), ('PAID', 'đã thanh toán'), ('PARTIALLY_REFUNDED', 'đã hoàn một phần'), ('REFUND_PENDING', 'đang hoàn tiền'), ('REFUNDED', 'đã hoàn tiền'), ('VOIDED', 'đã huỷ thanh toán'), ('REVIEW', 'thanh toán cần kiểm tra')], max_length=20, verbose_name='tình trạng thanh toán'),
        ),
        migrations.AlterField(
            model_name='orderevent',
            name='kind',
            field=models.CharField(choices=[('PLACED', 'đặt hàng'), ('PAYMENT_INTENT', 'tạo yêu cầu thanh toán'), ('PAID', 'đã thanh toán'), ('PAYMENT_FAILED', 'thanh toán lỗi'), ('CASH_COLLECTED', 'đã thu tiền mặt'), ('REFUNDED', 'hoàn tiền'), ('FULFILLMENT_STATUS', 'đổi trạng thái'), ('CANCELLED', 'huỷ'), ('EXPIRED', 'hết thời gian giữ hàng'), ('HOLD_EXTENDED', 'gia hạn giữ hàng'), ('PAYMENT_REVIEW', 'thanh toán cần kiểm tra'), ('EMAIL', 'gửi e-mail cho khách'), ('COMPLETED', 'hoàn tất'), ('NOTE', 'ghi chú')], max_length=24),
        ),
    ]
