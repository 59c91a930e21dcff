export default {
  login: {
    title: "Log in",
    submit: "Log in",
    noAccount: "No account yet?",
    signup: "Sign up",
    forgot: "Forgot your password?",
  },
  signup: {
    title: "Create an account",
    submit: "Sign up",
    haveAccount: "Already have an account?",
    login: "Log in",
    role: "I am",
    promoter: "A promoter: I share offers and earn per conversion",
    advertiser: "An advertiser: I publish offers and pay per conversion",
  },
  fields: {
    email: "Email",
    password: "Password",
    passwordHint: "At least 10 characters.",
    displayName: "Your name",
    companyName: "Company",
  },
  profile: {
    title: "Profile",
    role: "Role",
    memberSince: "Member since",
    logoutEverywhere: "Log out on every device",
    logoutEverywhereHint: "Ends every session of this account, including this one.",
  },
};
