import type en from "../en/auth";
import type { Shape } from "../shape";

export default {
  login: {
    title: "تسجيل الدخول",
    submit: "دخول",
    noAccount: "ليس لديك حساب؟",
    signup: "أنشئ حسابًا",
    forgot: "نسيت كلمة المرور؟",
  },
  signup: {
    title: "إنشاء حساب",
    submit: "تسجيل",
    haveAccount: "لديك حساب بالفعل؟",
    login: "سجّل الدخول",
    role: "أنا",
    promoter: "مسوّق: أنشر العروض وأربح عن كل تحويل",
    advertiser: "معلن: أنشر عروضي وأدفع عن كل تحويل",
  },
  fields: {
    email: "البريد الإلكتروني",
    password: "كلمة المرور",
    passwordHint: "10 أحرف على الأقل.",
    displayName: "اسمك",
    companyName: "الشركة",
  },
  profile: {
    title: "الملف الشخصي",
    role: "الدور",
    memberSince: "عضو منذ",
    logoutEverywhere: "تسجيل الخروج من كل الأجهزة",
    logoutEverywhereHint: "ينهي كل جلسات هذا الحساب، بما فيها هذه الجلسة.",
  },
} satisfies Shape<typeof en>;
