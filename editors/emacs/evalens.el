;;; evalens.el --- Run Python where you write it, with the evalens language server  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: languages, python, tools
;; URL: https://github.com/evalens/evalens

;;; Commentary:

;; A minor mode on eglot for evalens, a Python language server that keeps a
;; live interpreter beside the editor.  Evaluate the region or line, call a
;; function, run the file: the value (or the error) appears as an overlay
;; after the code, output streams into `*evalens-output*', the exception of a
;; failed run is a Flymake diagnostic on its line, and a runaway evaluation is
;; one key from interrupted.  What code shows (a matplotlib figure, a value
;; with `_repr_png_', `evalens.display(...)') goes to `*evalens-output*' too:
;; images inline in a graphical Emacs, a link to the image's file in a
;; terminal, a DataFrame or HTML as its text.  A run that brought code up to date (re-ran or
;; patched some of it) makes every result shown before it stale: dimmed, with
;; " (stale)" after it, until it runs again.  Every request is asynchronous.
;;
;;   (require 'evalens)
;;   (setq evalens-trusted t)   ; only for code you trust: it runs
;;   (evalens-setup)            ; python-mode buffers: eglot + evalens-mode
;;
;; Keys under `evalens-mode' (prefix C-c .):
;;   e  evaluate region or line       c  call a function
;;   l  run the code lens of the line r  run the file as __main__
;;   i  interrupt                     R  restart the interpreter
;;   o  show *evalens-output*         k  clear results
;;   j  run code in a Jupyter kernel (or evalens' own interpreter)
;;
;; and for cells (`# %%' lines), as code-cells.el and python-cell users expect:
;;   .  run the cell at point         a  run the cells above it
;;   b  run it and the cells below    A  run all cells
;;   n  next cell                     p  previous cell
;;
;; and for docstring examples (`>>>' lines), run with Python's doctest:
;;   d  run the examples of the docstring at point (C-u: of every docstring)
;;   u  make its failing examples expect what they printed
;;
;; and for the module's variables, read without running any code:
;;   v  list them in *evalens-variables* (RET expands an entry)
;;
;; This file is the entry point: the options, the server commands by role,
;; the settings, eglot's registration and the evalens server's handlers,
;; and `evalens-mode'.  It finds the rest beside it, loaded with `require'
;; (its directory on `load-path') or with `load' by file name:
;;
;;   evalens-server.el    the server started; why it could not start or died
;;   evalens-output.el    the *evalens-output* buffer
;;   evalens-display.el   rich output: images, or links to their files; the rest as text
;;   evalens-results.el   result overlays, stale results
;;   evalens-lenses.el    code lenses drawn above functions
;;   evalens-symbols.el   functions, from the server's document symbols
;;   evalens-run.el       a run sent, its Result shown where it belongs
;;   evalens-cells.el     cells: run them, each result as it comes; move between them
;;   evalens-doctest.el   docstring examples: run them, update their expected output
;;   evalens-kernels.el   Jupyter kernels: pick one (or a Jupyter Server) to run code in
;;   evalens-variables.el the variables view: the module's namespace, entries expandable
;;   evalens-commands.el  the interactive commands

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'eglot)
(require 'jsonrpc)

;; The other files are beside this one.  Put its directory on `load-path'
;; (when loaded by file name it may not be there) so they are found, also
;; when this file is compiled.
(eval-and-compile
  (let ((file (or (and (fboundp 'macroexp-file-name) (macroexp-file-name))
                  load-file-name
                  (bound-and-true-p byte-compile-current-file)
                  (locate-library "evalens"))))
    (when file
      (add-to-list 'load-path (directory-file-name (file-name-directory (expand-file-name file)))))))

(require 'evalens-server)
(require 'evalens-display)
(require 'evalens-output)
(require 'evalens-results)
(require 'evalens-lenses)
(require 'evalens-symbols)
(require 'evalens-run)
(require 'evalens-cells)
(require 'evalens-doctest)
(require 'evalens-kernels)
(require 'evalens-variables)
(require 'evalens-commands)

(defgroup evalens nil
  "Run Python code beside the editor with the evalens language server."
  :group 'tools
  :prefix "evalens-")

(defcustom evalens-command '("evalens")
  "How to start the evalens server: a program and its arguments.
The default is the `evalens' executable that `pipx install .' (run in
the evalens clone) puts on PATH, found through `exec-path'.  Set it when
evalens is installed elsewhere, e.g. (\"/opt/evalens/bin/evalens\") or
(\"python3\" \"-m\" \"evalens\") for a Python that has evalens installed."
  :type '(repeat string))

(defcustom evalens-trusted nil
  "Non-nil lets evalens run code.  Nothing is executed unless this is set.
Set it only for code you trust.  Set with Customize or
(customize-set-variable \='evalens-trusted t), running servers learn it
at once; a plain setq counts for servers started after it."
  :type 'boolean
  :initialize #'custom-initialize-default
  :set #'evalens--set-trusted)

(defcustom evalens-settings nil
  "Other evalens settings, as a plist, e.g. (:limits (:memoryMB 1024)).
Sent as initializationOptions and as the `evalens' configuration section."
  :type 'plist)

(defcustom evalens-modes '(python-mode python-ts-mode)
  "Major modes whose buffers evalens serves."
  :type '(repeat symbol))

(defcustom evalens-max-width 120
  "Longest result shown in an overlay; longer values go to `*evalens-output*'."
  :type 'integer)

(defcustom evalens-show-output-on-image t
  "Non-nil shows `*evalens-output*' (not selecting it) when a run shows an image.
A matplotlib figure, a value with `_repr_png_': in a graphical Emacs the
image itself, in a terminal a link to its file."
  :type 'boolean)

(defcustom evalens-open-image-function #'find-file-other-window
  "How a link to an image's file opens it: a function of the file name.
In a terminal Emacs an image is shown as such a link; `browse-url-of-file'
opens it in the desktop's viewer.  The files are in a temporary folder of
this Emacs session, removed when it exits."
  :type 'function)

(defcustom evalens-show-lenses t
  "Non-nil shows the server's code lenses above functions.
They are refreshed after each run and on save."
  :type 'boolean)

(defconst evalens-server-commands
  '((eval . "evalens.eval")
    (call . "evalens.call")
    (run-module . "evalens.runModule")
    (run-cell . "evalens.runCell")
    (doctest . "evalens.doctest")
    (variables . "evalens.variables")
    (interrupt . "evalens.interrupt")
    (restart . "evalens.restart")
    (status . "evalens.status")
    (kernels . "evalens.kernels")
    (attach . "evalens.attach"))
  "The evalens server commands this mode sends, by role.
They go through workspace/executeCommand.  tests/editors/test_contract.py
fails when a name here is not the server's.")

;; Every file sends a command by its role; tests/editors/test_contract.py
;; checks that each role named is in this table.
(defun evalens--command (role)
  "The name of the server command of ROLE (a key of `evalens-server-commands')."
  (or (alist-get role evalens-server-commands)
      (error "evalens: no server command for %s" role)))

;;; Server registration

(defun evalens--settings ()
  "The evalens settings as a plist suitable for JSON."
  (append (list :trusted (if evalens-trusted t :json-false))
          (cl-loop for (key value) on evalens-settings by #'cddr
                   unless (eq key :trusted) append (list key value))))

(defvar evalens-mode)

(defun evalens--servers ()
  "The live evalens servers of the buffers in `evalens-mode'."
  (let (servers)
    (dolist (buffer (buffer-list))
      (with-current-buffer buffer
        (when-let ((server (and evalens-mode (eglot-managed-p) (eglot-current-server))))
          (when (and (cl-typep server 'evalens-server) (jsonrpc-running-p server))
            (cl-pushnew server servers)))))
    servers))

(defun evalens--push-settings (server)
  "Send SERVER the evalens settings now (workspace/didChangeConfiguration).
A project's own `eglot-workspace-configuration' `:evalens' section wins,
as it does when the server asks."
  (let* ((default-directory (project-root (eglot--project server)))
         (config (eglot--workspace-configuration-plist server))
         (settings (if (plist-get config :evalens)
                       config
                     (append (list :evalens (evalens--settings)) config))))
    (jsonrpc-notify server :workspace/didChangeConfiguration (list :settings settings))))

(defun evalens--set-trusted (symbol value)
  "Set SYMBOL (`evalens-trusted') to VALUE and tell the running servers."
  (set-default symbol value)
  (mapc #'evalens--push-settings (evalens--servers)))

(defun evalens--contact (&optional _interactive)
  "The eglot contact for evalens."
  `(evalens-server ,@evalens-command
                   :initializationOptions ,(lambda (_server) (evalens--settings))))

;;;###autoload
(defun evalens-register ()
  "Make evalens the eglot server of `evalens-modes'."
  (setq eglot-server-programs
        (cl-remove-if (lambda (entry) (eq (cdr entry) #'evalens--contact)) eglot-server-programs))
  (push (cons evalens-modes #'evalens--contact) eglot-server-programs))

;;;###autoload
(defun evalens-setup ()
  "Register evalens with eglot and turn on `evalens-mode' in Python buffers."
  (evalens-register)
  (dolist (mode evalens-modes)
    (add-hook (intern (format "%s-hook" mode)) #'evalens-mode)))

(cl-defmethod eglot-handle-request
  ((_server evalens-server) (_method (eql workspace/configuration)) &key items)
  "Answer the `evalens' section from `evalens-settings'.
A project's own `eglot-workspace-configuration' takes precedence."
  (let ((answers (cl-call-next-method)))
    (apply #'vector
           (cl-loop for item across items
                    for answer across answers
                    collect (if (and (null answer) (equal (plist-get item :section) "evalens"))
                                (evalens--settings)
                              answer)))))

(cl-defmethod eglot-handle-notification
  ((_server evalens-server) (_method (eql evalens/output)) &key uri stream text &allow-other-keys)
  "Stream output of the running code into `*evalens-output*'."
  (ignore uri stream)
  (evalens--output-append text))

(cl-defmethod eglot-handle-notification
  ((_server evalens-server) (_method (eql evalens/display)) &key uri data metadata &allow-other-keys)
  "Show what the running code showed (an image, a table) in `*evalens-output*'."
  (evalens--output-display uri data metadata))

(cl-defmethod eglot-handle-notification
  ((_server evalens-server) (_method (eql evalens/variablesChanged)) &key uri names reset &allow-other-keys)
  "A run in the module of URI ended having changed NAMES.
`*evalens-variables*' asks again for what it shows; RESET: it starts
over (a new interpreter replaced the one that ran code)."
  (ignore names)
  (evalens--variables-changed uri (eq reset t)))

(cl-defmethod eglot-handle-request
  ((server evalens-server) (_method (eql workspace/codeLens/refresh)) &rest _params)
  "The server's lenses changed: ask again for those of every buffer it manages."
  (dolist (buffer (eglot--managed-buffers server))
    (when (buffer-live-p buffer)
      (with-current-buffer buffer (evalens-refresh-lenses))))
  nil)

;;; Minor mode

(defvar evalens-command-map
  (let ((map (make-sparse-keymap)))
    (define-key map "e" #'evalens-eval-region)
    (define-key map "c" #'evalens-call)
    (define-key map "l" #'evalens-run-lens)
    (define-key map "r" #'evalens-run-module)
    (define-key map "i" #'evalens-interrupt)
    (define-key map "R" #'evalens-restart)
    (define-key map "s" #'evalens-status)
    (define-key map "o" #'evalens-show-output)
    (define-key map "k" #'evalens-clear)
    (define-key map "." #'evalens-run-cell)
    (define-key map "a" #'evalens-run-cells-above)
    (define-key map "b" #'evalens-run-cell-and-below)
    (define-key map "A" #'evalens-run-all-cells)
    (define-key map "n" #'evalens-next-cell)
    (define-key map "p" #'evalens-previous-cell)
    (define-key map "j" #'evalens-select-kernel)
    (define-key map "d" #'evalens-doctest)
    (define-key map "u" #'evalens-doctest-update)
    (define-key map "v" #'evalens-variables)
    map)
  "Keymap of evalens commands, under C-c . in `evalens-mode'.")
(fset 'evalens-command-map evalens-command-map)

(defvar evalens-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c .") 'evalens-command-map)
    map)
  "Keymap of `evalens-mode'.")

;;;###autoload
(define-minor-mode evalens-mode
  "Run Python beside the editor with evalens (eglot manages the server).

\\{evalens-mode-map}"
  :lighter " evalens"
  :keymap evalens-mode-map
  (cond
   (evalens-mode
    (evalens-register)
    (add-hook 'eglot-managed-mode-hook #'evalens--managed nil t)
    (add-hook 'after-save-hook #'evalens-refresh-lenses nil t)
    (add-hook 'after-change-functions #'evalens--lenses-soon nil t)
    (if (eglot-managed-p)
        (evalens-refresh-lenses)
      (evalens--ensure)))
   (t
    (remove-hook 'eglot-managed-mode-hook #'evalens--managed t)
    (remove-hook 'after-save-hook #'evalens-refresh-lenses t)
    (remove-hook 'after-change-functions #'evalens--lenses-soon t)
    (remove-hook 'post-command-hook #'evalens--connect t)
    (when evalens--lens-timer (cancel-timer evalens--lens-timer))
    (evalens-clear)
    (evalens--clear-lenses))))

(provide 'evalens)
;;; evalens.el ends here
