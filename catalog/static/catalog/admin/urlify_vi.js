/* The admin's slug preview (prepopulated_fields) for Vietnamese names: Django's URLify drops the
   letters it has no map for ("Mật ong hoa ban Mường Ảng" -> "mt-ong-hoa-ban-mng-ng"). Fold the text
   first as catalog/slugs.py does (đ -> d, tones and marks removed), then let URLify do the rest:
   "mat-ong-hoa-ban-muong-ang". Loaded after admin/js/urlify.js. */
'use strict';
{
    const djangoURLify = window.URLify;
    function foldVietnamese(s) {
        return s.replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    }
    if (djangoURLify) {
        window.URLify = function(s, numChars, allowUnicode) {
            return djangoURLify(foldVietnamese(s), numChars, allowUnicode);
        };
        window.URLify.foldVietnamese = foldVietnamese;
    }
}
