// Where the bank's 3-D Secure check returns to, in the window the order page opened for it:
// close it, and the order page (watching for that) asks the server how the check went.
if (window.opener) window.close();
